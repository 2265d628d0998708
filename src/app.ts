import { randomUUID } from 'node:crypto';
import fastifyApollo from '@as-integrations/fastify';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import type { Config } from './config';
import { migrateLatest, type Db } from './db/knex';
import { readCredentials } from './graphql/authenticate';
import type { GqlContext, Services } from './graphql/context';
import { buildGatewaySchema } from './graphql/schema';
import { createApolloServer } from './graphql/server';
import { trustedDocuments } from './graphql/trusted-documents';
import { systemClock, type Clock } from './lib/clock';
import type { MailTransport } from './mail/message';
import { parseCookieHeader } from './lib/cookies';
import { MailRequestWorker } from './mail/requests';
import { MailSender } from './mail/sender';
import { authMailRequestHandlers } from './modules/auth/auth.mail-requests';
import { customerMailRequestHandlers } from './modules/customer-auth/customer.mail-requests';
import { MemoryRateLimiter, type RateLimiter } from './lib/rate-limit';
import { FallbackRateLimiter, RedisRateLimiter } from './lib/redis-rate-limit';
import { explorerPaths, explorerRoutes } from './http/explorer';
import { operationsRoutes } from './http/operations';
import { loggerOptions } from './http/logging';
import { GatewayMetrics } from './http/metrics';
import { listenUrl, logStartup, openDatabase, openRedis } from './startup';
import { generateOpenApi } from './rest/openapi';
import { corsForBrowserApps } from './http/cors';
import { anonymousFloodLimit, responseHeaders } from './http/security';
import { transportFromConfig } from './mail/transports';
import { registerLegacyApi } from './rest/http';
import { sendDetail, sendError } from './rest/responses';
import { legacyRoutes } from './rest/routes';
import { createServices } from './services';
import { BackgroundLoop } from './lib/background-loop';
import { WebhookSender } from './modules/webhooks/sender';

/**
 * Fastify's `trustProxy` for TRUST_PROXY. A hop count trusts that many addresses from the
 * socket inwards (proxy-addr's meaning); Fastify itself ignores a number (trusts nothing), so
 * it is spelled out as a function here.
 */
function trustProxyOption(trustProxy: Config['trustProxy']): string | ((address: string, hop: number) => boolean) | false {
  if (typeof trustProxy === 'number') return (_address, hop) => hop < trustProxy;
  return trustProxy ?? false;
}

const ANONYMOUS = Object.freeze({ kind: 'anonymous' as const });

const SWEEP_BATCH = 100;
const SWEEP_INTERVAL_MS = 5 * 60_000;

/** The contract's request body limit (CONTRACT section 2): larger bodies answer 413. */
export const BODY_LIMIT_BYTES = 1024 * 1024;

export interface AppOptions {
  /** Use this database instead of opening one from the config (tests share one per file). */
  db?: Db;
  clock?: Clock;
  /** Replace the configured mail transport (tests deliver to an SMTP sink or memory). */
  mailTransport?: MailTransport;
  /** Start the background mail sender (default true). */
  sendMail?: boolean;
  /**
   * Start the background worker that resolves mail requests (default true). Tests turn it off
   * and call `app.mailRequests.drain()` (their mail helpers do) to decide when it runs.
   */
  resolveMailRequests?: boolean;
  /** Start the background webhook sender (default true; tests call `app.webhookSender.drain()`). */
  sendWebhooks?: boolean;
  /** Logger stream (tests capture logs). */
  logStream?: NodeJS.WritableStream;
  /**
   * Milliseconds between writes of sessions' and API keys' last use (default
   * `LAST_USE_FLUSH_MS`). Tests pass 0 and call `services.hot.lastUse.flush()` to decide when
   * they are written (closing the app writes them too).
   */
  lastUseFlushMs?: number;
}

declare module 'fastify' {
  interface FastifyInstance {
    services: Services;
    mailSender: MailSender;
    mailRequests: MailRequestWorker;
    signupSweeper: BackgroundLoop;
    webhookSender: WebhookSender;
  }
}

/**
 * Assembles the gateway in a fixed order: database, services, GraphQL at `/graphql`, the
 * legacy REST bridge, then the not-found and error answers. It never listens: `main.ts`
 * does, and tests call `app.inject()`.
 */
export async function buildApp(config: Config, options: AppOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    ...loggerOptions(config.logLevel, config.logFormat, options.logStream),
    genReqId: () => randomUUID(),
    // Believe X-Forwarded-For only from the proxies named in TRUST_PROXY.
    trustProxy: trustProxyOption(config.trustProxy),
    bodyLimit: BODY_LIMIT_BYTES,
    return503OnClosing: true,
    // Errors raised before routing (a URL that does not decode): no route can match it.
    frameworkErrors: (error, _request, reply) => {
      if (error.code === 'FST_ERR_BAD_URL') return sendError(reply, 'NOT_FOUND');
      return sendDetail(reply, 400, error.message);
    },
  });

  const ownsDb = options.db === undefined;
  const db = options.db ?? (await openDatabase(config.database, app.log));
  if (config.migrateOnStart) await migrateLatest(db);
  const clock = options.clock ?? systemClock;
  // An unreachable Redis does not stop the start: limits fall back to in-process counters.
  const redis = config.redisUrl ? await openRedis(config.redisUrl, app.log) : undefined;
  const limiter: RateLimiter = redis ? new FallbackRateLimiter(new RedisRateLimiter(redis, clock, `${config.redisPrefix}rl:`), new MemoryRateLimiter(clock), clock, app.log) : new MemoryRateLimiter(clock);
  const redisDown = redis ? () => redis.status !== 'ready' || limiter.degraded === true : undefined;
  const metrics = config.metrics ? new GatewayMetrics() : undefined;
  const services: Services = createServices(config, db, clock, app.log, limiter, metrics, { flushMs: options.lastUseFlushMs });
  const mailSender = new MailSender(db, options.mailTransport ?? transportFromConfig(config.mail), config.mail, clock, app.log);
  const mailRequests = new MailRequestWorker(
    db,
    { ...authMailRequestHandlers(services), ...customerMailRequestHandlers(services) },
    config.mail.pollIntervalMs,
    clock,
    app.log,
  );
  app.decorate('services', services);
  app.decorate('mailSender', mailSender);
  app.decorate('mailRequests', mailRequests);
  // Expired pending signups give their node slots back (each process sweeps; a release is atomic).
  const signupSweeper = new BackgroundLoop('pending-signup sweeper', () => services.pendingSignups.releaseExpired(SWEEP_BATCH), SWEEP_BATCH, SWEEP_INTERVAL_MS, app.log);
  app.decorate('signupSweeper', signupSweeper);
  const webhookSender = new WebhookSender(db, config.webhooks, config.auth.mfaKey, clock, app.log);
  app.decorate('webhookSender', webhookSender);

  // A request's context inherits the services (no copy of them per request) and adds its own.
  const contextFor = (request: FastifyRequest): GqlContext => {
    const context: GqlContext = Object.create(services);
    context.log = request.log;
    context.requestId = request.id;
    context.ip = request.ip;
    context.userAgent = request.headers['user-agent'];
    context.credentials = readCredentials(request.headers, parseCookieHeader(request.headers.cookie));
    context.principal = ANONYMOUS;
    return context;
  };

  // First: a listed origin's preflight is answered before any other hook runs.
  await corsForBrowserApps(app, config.frontend.corsOrigins);
  responseHeaders(app, services);
  anonymousFloodLimit(app, services);
  operationsRoutes(app, services, { metrics, redisDown });

  const schema = buildGatewaySchema();

  const compiledRoutes = await registerLegacyApi(app, {
    schema,
    routes: legacyRoutes,
    contextFor: (request) => contextFor(request),
    otherRoutes: [
      { pattern: /^\/graphql$/, methods: ['GET', 'POST', 'OPTIONS'] },
      { pattern: /^\/\.well-known\/(jwks\.json|openid-configuration)$/, methods: ['GET'] },
      { pattern: /^\/(healthz|readyz|metrics)$/, methods: ['GET'] },
      ...explorerPaths(config).map((pattern) => ({ pattern, methods: ['GET'] })),
    ],
  });
  explorerRoutes(app, {
    graphiql: config.graphiql,
    docs: config.docs,
    openApi: () => generateOpenApi(compiledRoutes, schema),
  });
  // After the legacy API: it installs the error and not-found answers every route (Apollo's too) uses.
  const apollo = await createApolloServer(schema, config);
  // GRAPHQL_TRUSTED_DOCUMENTS: `documentId` requests (and, trusted-only, nothing else); before the route exists.
  if (config.trustedDocuments) trustedDocuments(app, config.trustedDocuments);
  await app.register(fastifyApollo(apollo), { context: async (request) => contextFor(request) });
  // Public keys for services that verify our tokens themselves (empty with HS256).
  app.get('/.well-known/jwks.json', async (_request, reply) => reply.header('cache-control', 'public, max-age=300').send(services.jwt.jwks()));
  // OpenID Connect discovery: the issuer, that JWKS (absolute, from PUBLIC_URL) and the signing algorithm.
  const openidConfiguration = services.jwt.openidConfiguration(`${config.publicUrl}/.well-known/jwks.json`);
  app.get('/.well-known/openid-configuration', async (_request, reply) => reply.header('cache-control', 'public, max-age=300').send(openidConfiguration));

  app.addHook('onClose', async () => {
    await signupSweeper.stop();
    await mailRequests.stop();
    await mailSender.stop();
    await webhookSender.stop();
    await apollo.stop();
    redis?.disconnect();
    await services.hot.close();
    if (ownsDb) await db.destroy();
  });
  // Once listening (main.ts; tests that only inject never listen): the summary and the warnings.
  app.addHook('onListen', (done) => {
    logStartup(app.log, config, listenUrl(app.addresses()[0], config), redis ? redis.status === 'ready' : undefined);
    done();
  });
  if (options.sendMail !== false) mailSender.start((listener) => services.outbox.onEnqueued(listener));
  if (options.resolveMailRequests !== false) mailRequests.start((listener) => services.mailRequests.onEnqueued(listener));
  if (options.sendWebhooks !== false) webhookSender.start();
  signupSweeper.start();
  return app;
}

