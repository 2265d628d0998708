import type { FastifyInstance } from 'fastify';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { migrationsCurrent } from '../db/knex';
import type { Services } from '../graphql/context';

/**
 * Probes and metrics for operators of the service:
 * - `/healthz`: the process is up (no dependencies checked);
 * - `/readyz`: the database answers and every migration is applied (503 otherwise);
 * - `/metrics`: Prometheus text (requests by route and status, latency, argon2 queue depth,
 *   the outbox's backlog, the age of its oldest waiting message and the mail it dropped as
 *   expired, and the process's default metrics). `/readyz` ignores the mail provider: during
 *   an outage the gateway keeps serving and mail waits; the outbox gauges show it.
 */
export function operationsRoutes(app: FastifyInstance, services: Services): void {
  app.get('/healthz', async () => ({ status: 'ok' }));

  // /readyz is unauthenticated and not rate limited, so each call must stay cheap: listing
  // migrations reads the migration table and every migration file's name, and once all are
  // applied they stay applied for this build, so that check is remembered after it first
  // passes. The database ping runs on every call, but concurrent calls share one ping.
  let migrationsApplied = false;
  let inFlight: Promise<'ready' | 'migrations pending'> | undefined;
  const readiness = async (): Promise<'ready' | 'migrations pending'> => {
    await services.db.raw('select 1');
    if (!migrationsApplied) migrationsApplied = await migrationsCurrent(services.db);
    return migrationsApplied ? 'ready' : 'migrations pending';
  };

  app.get('/readyz', async (request, reply) => {
    try {
      inFlight ??= readiness().finally(() => {
        inFlight = undefined;
      });
      const state = await inFlight;
      if (state !== 'ready') return reply.code(503).send({ status: 'not ready', reason: state });
      // Still ready without Redis: every limit holds per process meanwhile (src/lib/redis-rate-limit.ts).
      if (services.limiter.degraded) return { status: 'ready', degraded: ['rate-limit store unreachable: limits are enforced per process'] };
      return { status: 'ready' };
    } catch (error) {
      request.log.error({ err: error }, 'readiness check failed');
      return reply.code(503).send({ status: 'not ready', reason: 'database unavailable' });
    }
  });

  if (!services.config.metrics) return;
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const requests = new Counter({ name: 'http_requests_total', help: 'HTTP requests by route, method and status.', labelNames: ['route', 'method', 'status'], registers: [registry] });
  const latency = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request latency by route and method.',
    labelNames: ['route', 'method'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  new Gauge({
    name: 'rate_limit_store_degraded',
    help: '1 while the shared rate-limit store (Redis) is unreachable and limits are enforced per process.',
    registers: [registry],
    collect() {
      this.set(services.limiter.degraded ? 1 : 0);
    },
  });
  new Gauge({
    name: 'argon2_queue_depth',
    help: 'Password hashes waiting for a hashing slot.',
    registers: [registry],
    collect() {
      this.set(services.passwords.queueDepth);
    },
  });
  // The outbox figures come from one query per scrape (see MailOutbox.health), set just before rendering.
  const backlog = new Gauge({ name: 'mail_outbox_backlog', help: 'Mail waiting in the outbox (pending delivery or retry).', registers: [registry] });
  const oldestAge = new Gauge({ name: 'mail_outbox_oldest_pending_age_seconds', help: 'Age of the oldest mail waiting in the outbox (0 when none waits).', registers: [registry] });
  const expired = new Counter({ name: 'mail_outbox_expired_total', help: 'Mail dropped because its expiry passed before a transport accepted it.', registers: [registry] });

  // Every request passes here: the labelled children are looked up once per (route, method,
  // status) and kept, instead of prom-client hashing the label object on every call.
  const counters = new Map<string, Counter.Internal>();
  const timers = new Map<string, Histogram.Internal<string>>();
  app.addHook('onResponse', (request, reply, done) => {
    // The route pattern, not the URL: ids in paths must not explode the label space.
    const route = request.routeOptions.url ?? 'unmatched';
    const status = reply.statusCode;
    const routeKey = `${request.method} ${route}`;
    const countKey = `${routeKey} ${status}`;
    let counter = counters.get(countKey);
    if (!counter) counters.set(countKey, (counter = requests.labels({ route, method: request.method, status: String(status) })));
    let timer = timers.get(routeKey);
    if (!timer) timers.set(routeKey, (timer = latency.labels({ route, method: request.method })));
    counter.inc();
    timer.observe(reply.elapsedTime / 1000);
    done();
  });
  app.get('/metrics', async (_request, reply) => {
    const outbox = await services.outbox.health(services.db);
    backlog.set(outbox.pending);
    oldestAge.set(outbox.oldestPendingAgeSeconds);
    // The database keeps the count (every process sees the same, and it survives restarts).
    expired.reset();
    expired.inc(outbox.expired);
    return reply.header('content-type', registry.contentType).send(await registry.metrics());
  });
}
