import type { FastifyInstance } from 'fastify';
import { migrationsCurrent } from '../db/knex';
import type { Services } from '../graphql/context';
import type { GatewayMetrics } from './metrics';

export interface OperationsOptions {
  /** The Prometheus side (`/metrics`); absent with METRICS_ENABLED=false. */
  metrics?: GatewayMetrics;
  /**
   * Present when REDIS_URL is set: true while the shared rate-limit store is unreachable
   * (not connected, or a limit call failed since it last answered).
   */
  redisDown?: () => boolean;
}

type Readiness = 'ready' | 'migrations pending';

/** What `/readyz` says while Redis is down: the gateway serves, each process counting on its own. */
export const REDIS_DEGRADED = 'unreachable: rate limits are enforced per process until it answers';

/**
 * Probes and metrics for operators of the service:
 * - `/healthz`: the process is up (no dependencies checked);
 * - `/readyz`: the database answers and every migration is applied (503 otherwise); with
 *   REDIS_URL, an unreachable Redis answers 200 `degraded`, naming it (every limit then holds
 *   per process: src/lib/redis-rate-limit.ts);
 * - `/metrics`: Prometheus text (src/http/metrics.ts: requests by route and status, latency,
 *   logins, refreshes, codes, limits hit, operation time, argon2 queue depth, the outbox, and
 *   the process's default metrics). `/readyz` ignores the mail provider: during an outage the
 *   gateway keeps serving and mail waits; the outbox gauges show it.
 */
export function operationsRoutes(app: FastifyInstance, services: Services, options: OperationsOptions = {}): void {
  const { metrics, redisDown } = options;
  app.get('/healthz', async () => ({ status: 'ok' }));

  // /readyz is unauthenticated and not rate limited, so each call must stay cheap: listing
  // migrations reads the migration table and every migration file's name, and once all are
  // applied they stay applied for this build, so that check is remembered after it first
  // passes. The database ping runs on every call, but concurrent calls share one ping.
  let migrationsApplied = false;
  let inFlight: Promise<Readiness> | undefined;
  const readiness = async (): Promise<Readiness> => {
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
      // Still serving without Redis (its state is known without a round trip): 200, degraded.
      if (redisDown?.()) return { status: 'degraded', degraded: { redis: REDIS_DEGRADED } };
      return { status: 'ready' };
    } catch (error) {
      request.log.error({ err: error }, 'readiness check failed');
      return reply.code(503).send({ status: 'not ready', reason: 'database unavailable' });
    }
  });

  if (!metrics) return;
  const render = metrics.watch(services, () => redisDown?.() ?? false);
  app.addHook('onResponse', (request, reply, done) => {
    metrics.request(request.routeOptions.url ?? 'unmatched', request.method, reply.statusCode, reply.elapsedTime / 1000);
    done();
  });
  app.get('/metrics', async (_request, reply) => reply.header('content-type', metrics.registry.contentType).send(await render()));
}
