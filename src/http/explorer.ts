import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { FastifyInstance, FastifyRequest } from 'fastify';

/**
 * The offline explorer pages: GraphiQL at /graphiql and the REST reference at /docs, with
 * every script and stylesheet served from npm packages by the gateway itself (no CDN), and
 * the OpenAPI document they read at /openapi.json.
 */
interface Asset {
  body: Buffer;
  type: string;
}

/** A file of an installed package, also where the package's `exports` map hides it. */
const moduleFile = (specifier: string): string => {
  const [scopeOrName, ...rest] = specifier.split('/');
  const name = scopeOrName.startsWith('@') ? `${scopeOrName}/${rest.shift()}` : scopeOrName;
  const entry = require.resolve(name);
  const root = entry.slice(0, entry.lastIndexOf(`node_modules${path.sep}${name.split('/').join(path.sep)}`) + `node_modules/${name}`.length);
  return path.join(root, ...rest);
};
const ownFile = (name: string): string => {
  // Next to this file in src/, or copied next to the compiled file in dist/.
  const candidates = [path.join(__dirname, 'explorer', name), path.resolve(__dirname, '..', '..', '..', 'src', 'http', 'explorer', name)];
  const found = candidates.find((file) => {
    try {
      readFileSync(file);
      return true;
    } catch {
      return false;
    }
  });
  if (!found) throw new Error(`explorer asset ${name} not found`);
  return found;
};

function load(file: string, type: string): Asset {
  return { body: readFileSync(file), type };
}

const JS = 'text/javascript; charset=utf-8';
const CSS = 'text/css; charset=utf-8';

/** Pages may load only their own assets; inline styles are needed by both UIs. */
const PAGE_CSP = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

function page(title: string, styles: string[], scripts: string[], body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
${styles.map((href) => `<link rel="stylesheet" href="${href}">`).join('\n')}
<style>html, body { height: 100%; margin: 0; }</style>
</head>
<body>
${body}
${scripts.map((src) => `<script src="${src}"></script>`).join('\n')}
</body>
</html>
`;
}

export interface ExplorerOptions {
  graphiql: boolean;
  docs: boolean;
  openApi: () => Record<string, unknown>;
}

/**
 * The paths `explorerRoutes` serves, for the not-found answer: a disabled page is not a path
 * with another method (405), it is not there (404).
 */
export function explorerPaths(options: Pick<ExplorerOptions, 'graphiql' | 'docs'>): RegExp[] {
  const pages = ['', 'openapi\\.json', ...(options.graphiql ? ['graphiql', 'graphiql/assets/[^/]+'] : []), ...(options.docs ? ['docs', 'docs/assets/[^/]+'] : [])];
  return pages.map((page) => new RegExp(`^/${page}$`));
}

/** A browser navigating (not `fetch`, which asks for JSON or anything). */
const wantsHtml = (request: FastifyRequest): boolean => (request.headers.accept ?? '').includes('text/html');

const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * `/`: where a person who opens the gateway's address lands, a small page of links (JSON for
 * programs), naming only what is enabled; and `GET /graphql` from a browser's address bar goes
 * to GraphiQL (with its `?query=`) when GraphiQL is enabled, instead of Apollo's CSRF refusal.
 */
function landing(app: FastifyInstance, options: ExplorerOptions): void {
  const links: Array<{ rel: string; href: string; title: string }> = [
    { rel: 'graphql', href: '/graphql', title: 'GraphQL endpoint (POST)' },
    ...(options.graphiql ? [{ rel: 'graphiql', href: '/graphiql', title: 'GraphiQL: explore and run GraphQL operations' }] : []),
    ...(options.docs ? [{ rel: 'docs', href: '/docs', title: 'REST reference (the legacy API)' }] : []),
    { rel: 'openapi', href: '/openapi.json', title: 'OpenAPI document of the REST API' },
    { rel: 'health', href: '/healthz', title: 'Health probe' },
  ];
  const json = JSON.stringify({ name: 'HydraCore identity gateway', links: Object.fromEntries(links.map((link) => [link.rel, link.href])) });
  const html = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>HydraCore identity gateway</title></head>
<body>
<h1>HydraCore identity gateway</h1>
<ul>
${links.map((link) => `<li><a href="${link.href}">${escapeHtml(link.href)}</a>: ${escapeHtml(link.title)}</li>`).join('\n')}
</ul>
</body>
</html>
`;
  app.get('/', async (request, reply) =>
    wantsHtml(request) ? reply.header('content-type', 'text/html; charset=utf-8').send(html) : reply.header('content-type', 'application/json').send(json),
  );
  if (options.graphiql) {
    app.addHook('onRequest', (request, reply, done) => {
      if (request.method === 'GET' && (request.url === '/graphql' || request.url.startsWith('/graphql?')) && wantsHtml(request)) {
        reply.redirect(`/graphiql${request.url.slice('/graphql'.length)}`, 302);
        return;
      }
      done();
    });
  }
}

export function explorerRoutes(app: FastifyInstance, options: ExplorerOptions): string[] {
  const served: string[] = ['/', '/openapi.json'];
  landing(app, options);
  let document: string | undefined;
  app.get('/openapi.json', async (_request, reply) => {
    document ??= JSON.stringify(options.openApi());
    return reply.header('content-type', 'application/json').header('cache-control', 'no-cache').send(document);
  });

  const assets = new Map<string, Asset>();
  const serveAssets = (prefix: string) =>
    app.get(`${prefix}/assets/:name`, async (request, reply) => {
      const asset = assets.get(`${prefix}/assets/${(request.params as { name: string }).name}`);
      if (!asset) return reply.callNotFound();
      return reply.header('content-type', asset.type).header('cache-control', 'public, max-age=86400').send(asset.body);
    });

  if (options.graphiql) {
    assets.set('/graphiql/assets/react.js', load(moduleFile('react/umd/react.production.min.js'), JS));
    assets.set('/graphiql/assets/react-dom.js', load(moduleFile('react-dom/umd/react-dom.production.min.js'), JS));
    assets.set('/graphiql/assets/graphiql.js', load(moduleFile('graphiql/graphiql.min.js'), JS));
    assets.set('/graphiql/assets/graphiql.css', load(moduleFile('graphiql/graphiql.min.css'), CSS));
    assets.set('/graphiql/assets/app.js', load(ownFile('graphiql.js'), JS));
    const html = page(
      'HydraCore GraphiQL',
      ['/graphiql/assets/graphiql.css'],
      ['/graphiql/assets/react.js', '/graphiql/assets/react-dom.js', '/graphiql/assets/graphiql.js', '/graphiql/assets/app.js'],
      '<div id="graphiql" style="height: 100vh"></div>',
    );
    app.get('/graphiql', async (_request, reply) => reply.header('content-type', 'text/html; charset=utf-8').header('content-security-policy', PAGE_CSP).send(html));
    serveAssets('/graphiql');
    served.push('/graphiql');
  }

  if (options.docs) {
    assets.set('/docs/assets/swagger-ui.css', load(moduleFile('swagger-ui-dist/swagger-ui.css'), CSS));
    assets.set('/docs/assets/swagger-ui-bundle.js', load(moduleFile('swagger-ui-dist/swagger-ui-bundle.js'), JS));
    assets.set('/docs/assets/app.js', load(ownFile('docs.js'), JS));
    const html = page('HydraCore REST API', ['/docs/assets/swagger-ui.css'], ['/docs/assets/swagger-ui-bundle.js', '/docs/assets/app.js'], '<div id="swagger-ui"></div>');
    app.get('/docs', async (_request, reply) => reply.header('content-type', 'text/html; charset=utf-8').header('content-security-policy', PAGE_CSP).send(html));
    serveAssets('/docs');
    served.push('/docs');
  }
  return served;
}
