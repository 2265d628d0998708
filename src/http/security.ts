import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Services } from '../graphql/context';
import { sendGraphqlError } from '../graphql/errors';
import { SESSION_COOKIE_NAMES } from '../lib/cookies';
import { sendError } from '../rest/responses';

/** Paths that are neither public API nor limited (probes and the metrics scraper). */
export const OPERATIONS_PATHS = new Set(['/healthz', '/readyz', '/metrics']);

/**
 * Headers on every response: no sniffing, no framing, no referrer leaks, nothing cached
 * (answers carry tokens), HSTS when the service is public over HTTPS, and the request id.
 * One synchronous hook (every request passes here: no promise, no per-request object).
 */
export function responseHeaders(app: FastifyInstance, services: Services): void {
  const hsts = services.config.publicUrl.startsWith('https://');
  app.addHook('onSend', (request, reply, payload, done) => {
    reply.header('x-content-type-options', 'nosniff');
    reply.header('x-frame-options', 'DENY');
    reply.header('referrer-policy', 'no-referrer');
    reply.header('cross-origin-opener-policy', 'same-origin');
    if (!reply.hasHeader('content-security-policy')) reply.header('content-security-policy', "default-src 'none'; frame-ancestors 'none'");
    if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
    if (hsts) reply.header('strict-transport-security', 'max-age=31536000; includeSubDomains');
    reply.header('x-request-id', request.id);
    done(null, payload);
  });
}

function tooManyRequests(request: FastifyRequest, reply: FastifyReply, retryAfter: number): FastifyReply {
  const headers = { 'retry-after': String(retryAfter) };
  return request.url.startsWith('/graphql') ? sendGraphqlError(reply, 'RATE_LIMITED', headers) : sendError(reply, 'RATE_LIMITED', headers);
}

/** A non-empty session cookie in a Cookie header. */
const SESSION_COOKIE = new RegExp(`(?:^|;\\s*)(?:${SESSION_COOKIE_NAMES.join('|')})=[^;\\s"]`);

/** A token, a session cookie or an API key: the request is someone's, judged by its own limits. */
function carriesCredentials(request: FastifyRequest): boolean {
  const { headers } = request;
  if (headers['x-api-key'] || /^bearer\s+\S/i.test(headers.authorization ?? '')) return true;
  const cookies = headers.cookie;
  return cookies !== undefined && SESSION_COOKIE.test(cookies);
}

/**
 * A generous flood guard for requests without credentials, per client IP (the socket's
 * address unless TRUST_PROXY names the proxy in front). Requests that carry credentials never
 * count: a signed-in dashboard or an API-key integration behind an office NAT is limited by
 * its own budgets (per API key, per address for credential failures), never by its neighbours'
 * traffic (issue 13: a 60 req/s integration locked its whole IP out of login and signup).
 * Expensive anonymous operations have their own per-operation limits (src/lib/limits.ts).
 */
export function anonymousFloodLimit(app: FastifyInstance, services: Services): void {
  // A callback hook: requests with credentials (every signed-in call) pass without a promise.
  app.addHook('onRequest', (request, reply, done) => {
    if (carriesCredentials(request) || OPERATIONS_PATHS.has(request.url.split('?', 1)[0])) return done();
    services.limits.check('anonymousRequestsPerIp', request.ip).then(
      (decision) => (decision.allowed ? done() : void tooManyRequests(request, reply, decision.retryAfterSeconds)),
      (error: Error) => done(error),
    );
  });
}
