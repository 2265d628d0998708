import fastifyCors from '@fastify/cors';
import type { FastifyInstance } from 'fastify';

/** Headers a browser app may send: JSON bodies, a bearer token, a key, Apollo's CSRF header. */
const ALLOWED_HEADERS = ['content-type', 'authorization', 'x-api-key', 'apollo-require-preflight', 'x-apollo-operation-name'];
/** Headers a browser app may read besides the safelisted ones. */
const EXPOSED_HEADERS = ['retry-after', 'x-request-id', 'www-authenticate'];

/**
 * CORS for browser apps on other origins (`CORS_ORIGINS`, exact origins). Nothing is registered
 * when the list is empty, so every answer stays as the legacy service gave it. For a listed
 * origin: credentials allowed (cookies), preflights for `/graphql` and every REST route answered
 * 204 before any other hook (the anonymous flood guard and authentication never see them). For
 * any other origin the request goes on as if CORS did not exist: no `Access-Control-*` header at
 * all, and a preflight is answered as today (REST 405, `/graphql` Apollo's CSRF refusal).
 * Apollo's CSRF prevention stays on for every request.
 */
export async function corsForBrowserApps(app: FastifyInstance, origins: readonly string[]): Promise<void> {
  if (origins.length === 0) return;
  const allowed = new Set(origins);
  await app.register(fastifyCors, {
    // A function, not the list: with a list, @fastify/cors still sends Allow-Credentials and the
    // preflight headers to origins it does not allow. `false` turns CORS off for that request.
    origin: (origin, callback) => callback(null, origin !== undefined && allowed.has(origin) ? origin : false),
    credentials: true,
    methods: ['GET', 'HEAD', 'POST', 'PATCH', 'DELETE'],
    allowedHeaders: ALLOWED_HEADERS,
    exposedHeaders: EXPOSED_HEADERS,
    maxAge: 600,
    strictPreflight: true,
  });
}
