import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { GraphQLSchema } from 'graphql';
import type { GqlContext } from '../graphql/context';
import { sendGraphqlError } from '../graphql/errors';
import { compileRoutes, restBridge, type CompiledRoute } from './bridge';
import { sendDetail, sendError } from './responses';
import type { LegacyRoute } from './route';

export interface LegacyApiOptions {
  schema: GraphQLSchema;
  routes: readonly LegacyRoute[];
  contextFor: (request: FastifyRequest) => GqlContext;
  /** Other paths the app serves, so a wrong method on them is 405 too. */
  otherRoutes?: ReadonlyArray<{ pattern: RegExp; methods: string[] }>;
}

/**
 * The legacy HTTP surface: the route table served by the bridge, and Starlette's answers
 * for everything no route took (404, 405, trailing-slash redirect, 413, masked 500).
 */
export async function registerLegacyApi(app: FastifyInstance, options: LegacyApiOptions): Promise<CompiledRoute[]> {
  const routes = compileRoutes(options.schema, options.routes);
  const others = options.otherRoutes ?? [];
  // Set before the bridge registers its routes: Fastify gives a route the handler in force then.
  app.setNotFoundHandler((request, reply) => answerUnmatched(routes, others, request, reply));
  app.setErrorHandler((error: FastifyError, request, reply) => answerError(error, request, reply));
  await app.register(restBridge, { schema: options.schema, routes, contextFor: options.contextFor });
  return routes;
}

/**
 * Starlette's answers for a request no route took: a known path with another method is
 * 405 with `Allow` (here listing every method of that path, where Starlette listed only
 * the first route's), a path that differs only by a trailing slash is a 307 redirect
 * (FastAPI's `redirect_slashes`), and anything else is 404.
 */
function answerUnmatched(
  routes: readonly CompiledRoute[],
  others: ReadonlyArray<{ pattern: RegExp; methods: string[] }>,
  request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const [pathname, query = ''] = request.url.split(/\?(.*)/s, 2);
  const methodsFor = (path: string): string[] => {
    const methods = new Set<string>();
    for (const { route, pattern } of routes) if (pattern.test(path)) methods.add(route.method);
    for (const other of others) if (other.pattern.test(path)) other.methods.forEach((m) => methods.add(m));
    if (methods.has('GET')) methods.add('HEAD');
    return [...methods];
  };
  const allowed = methodsFor(pathname);
  if (allowed.length > 0) return sendError(reply, 'METHOD_NOT_ALLOWED', { allow: allowed.join(', ') });
  const alternative = pathname.endsWith('/') ? pathname.replace(/\/+$/, '') : `${pathname}/`;
  if (alternative !== '' && methodsFor(alternative).includes(request.method)) {
    const location = `${request.protocol}://${request.host}${alternative}${query ? `?${query}` : ''}`;
    return reply.code(307).header('location', location).send();
  }
  return sendError(reply, 'NOT_FOUND');
}

function answerError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return sendError(reply, 'BODY_TOO_LARGE');
  const status = error.statusCode ?? 500;
  if (status >= 400 && status < 500) {
    // Framework-level rejections (e.g. unparsable JSON sent to /graphql): say what, not how.
    if (request.url.startsWith('/graphql')) return sendGraphqlError(reply, 'BAD_REQUEST', {}, status, error.message);
    return sendDetail(reply, status, error.message);
  }
  request.log.error({ err: error }, 'unhandled error');
  return sendError(reply, 'INTERNAL_SERVER_ERROR');
}
