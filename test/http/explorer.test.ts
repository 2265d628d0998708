import fs from 'node:fs';
import path from 'node:path';
import vm from 'node:vm';
import { Kind, parse, validate } from 'graphql';
import { buildGatewaySchema } from '../../src/graphql/schema';
import { startTestApp, type TestApp } from '../helpers/app';
import { engine } from '../helpers/db';

/**
 * Regression: with GRAPHIQL_ENABLED=false or DOCS_ENABLED=false (production), /graphiql and
 * /docs answered 405 `Allow: GET, HEAD`, as if the page existed under another method. A
 * disabled page is not there: 404 `{"detail":"Not Found"}` (CONTRACT section 2).
 */
describe(`explorer pages: disabled ones are 404, and where a browser lands (${engine})`, () => {
  let off: TestApp;
  let on: TestApp;
  beforeAll(async () => {
    off = await startTestApp({ GRAPHIQL_ENABLED: 'false', DOCS_ENABLED: 'false' });
    on = await startTestApp({ GRAPHIQL_ENABLED: 'true', DOCS_ENABLED: 'true' });
  });
  afterAll(async () => {
    await off.close();
    await on.close();
  });

  const paths = ['/graphiql', '/docs', '/graphiql/assets/app.js', '/docs/assets/app.js'];

  it.each(paths)('%s, disabled, is 404 Not Found for every method', async (url) => {
    for (const method of ['GET', 'HEAD', 'POST', 'DELETE'] as const) {
      const res = await off.app.inject({ method, url });
      expect(res.statusCode).toBe(404);
      expect(res.headers.allow).toBeUndefined();
      if (method !== 'HEAD') expect(res.body).toBe('{"detail":"Not Found"}');
    }
  });

  it.each(paths)('%s, enabled, is served (and another method is 405)', async (url) => {
    expect((await on.app.inject({ method: 'GET', url })).statusCode).toBe(200);
    const post = await on.app.inject({ method: 'POST', url });
    expect(post.statusCode).toBe(405);
    expect(post.headers.allow).toBe('GET, HEAD');
  });

  it('the OpenAPI document stays served either way', async () => {
    expect((await off.app.inject({ method: 'GET', url: '/openapi.json' })).statusCode).toBe(200);
    expect((await off.app.inject({ method: 'POST', url: '/openapi.json' })).statusCode).toBe(405);
  });

  const html = { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' };

  it('/ is a page of links for a browser and JSON for a program, naming only what is enabled', async () => {
    const page = await on.app.inject({ method: 'GET', url: '/', headers: html });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    for (const href of ['/graphql', '/graphiql', '/docs', '/openapi.json', '/healthz']) expect(page.body).toContain(`<a href="${href}">`);
    const json = await on.app.inject({ method: 'GET', url: '/' });
    expect(json.json()).toEqual({ name: 'HydraCore identity gateway', links: { graphql: '/graphql', graphiql: '/graphiql', docs: '/docs', openapi: '/openapi.json', health: '/healthz' } });
    expect((await off.app.inject({ method: 'GET', url: '/' })).json().links).toEqual({ graphql: '/graphql', openapi: '/openapi.json', health: '/healthz' });
    expect((await off.app.inject({ method: 'GET', url: '/', headers: html })).body).not.toContain('/graphiql');
    const post = await on.app.inject({ method: 'POST', url: '/' });
    expect([post.statusCode, post.headers.allow]).toEqual([405, 'GET, HEAD']);
  });

  it('GET /graphql from a browser goes to GraphiQL with its query, when GraphiQL is enabled', async () => {
    const res = await on.app.inject({ method: 'GET', url: '/graphql?query=%7B__typename%7D', headers: html });
    expect(res.statusCode).toBe(302);
    expect(res.headers.location).toBe('/graphiql?query=%7B__typename%7D');
    expect((await on.app.inject({ method: 'GET', url: '/graphql', headers: html })).headers.location).toBe('/graphiql');
    // Programs are not redirected: fetch() asks for JSON (or anything), and gets Apollo's answer.
    const program = await on.app.inject({ method: 'GET', url: '/graphql?query=%7B__typename%7D', headers: { accept: 'application/json', 'apollo-require-preflight': 'true' } });
    expect(program.json()).toEqual({ data: { __typename: 'Query' } });
    // GraphiQL disabled: no redirect to a page that is not there.
    expect((await off.app.inject({ method: 'GET', url: '/graphql', headers: html })).statusCode).toBe(400);
  });
});

describe("GraphiQL's example operations", () => {
  /** Runs the page script with stand-ins for React and GraphiQL, and returns GraphiQL's props. */
  function graphiqlProps(search = ''): Record<string, any> {
    let props: Record<string, any> = {};
    const context = {
      window: { location: { search }, sessionStorage: {} },
      URLSearchParams,
      fetch: () => Promise.reject(new Error('no network in this test')),
      document: { getElementById: () => ({}) },
      React: { createElement: (_component: unknown, given: Record<string, any>) => given },
      ReactDOM: { createRoot: () => ({ render: (given: Record<string, any>) => (props = given) }) },
      GraphiQL: {},
    };
    vm.runInNewContext(fs.readFileSync(path.resolve(__dirname, '..', '..', 'src', 'http', 'explorer', 'graphiql.js'), 'utf8'), context);
    return props;
  }

  it('offer a tab per area (sign-in, portal, signup, tenancy admin), each valid against the schema', () => {
    const { defaultTabs } = graphiqlProps();
    expect(defaultTabs).toHaveLength(4);
    const schema = buildGatewaySchema();
    const fields = new Set<string>();
    for (const tab of defaultTabs as Array<{ query: string; variables?: string }>) {
      const document = parse(tab.query);
      expect(validate(schema, document).map((e) => e.message)).toEqual([]);
      if (tab.variables) expect(() => JSON.parse(tab.variables as string)).not.toThrow();
      for (const definition of document.definitions) {
        if (definition.kind === Kind.OPERATION_DEFINITION) for (const selection of definition.selectionSet.selections) if (selection.kind === Kind.FIELD) fields.add(selection.name.value);
      }
    }
    // Every tab that needs credentials says how to give them (headers or this site's cookies).
    expect(defaultTabs.filter((tab: { query: string }) => tab.query.includes('"Authorization": "Bearer')).length).toBe(3);
    expect([...fields]).toEqual(expect.arrayContaining(['login', 'me', 'customerLogin', 'customerVerify', 'portalMe', 'publicPlans', 'signup', 'signupVerify', 'customers', 'instances', 'members']));
  });

  it('open the operation of ?query= instead, as links from elsewhere expect', () => {
    const props = graphiqlProps('?query=%7B__typename%7D');
    expect(props.defaultTabs).toEqual([{ query: '{__typename}' }]);
    expect(props.query).toBe('{__typename}');
  });
});
