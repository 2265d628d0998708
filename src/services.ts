import type { FastifyBaseLogger } from 'fastify';
import type { Config } from './config';
import type { Db } from './db/knex';
import type { GqlContext, Services } from './graphql/context';
import type { Clock } from './lib/clock';
import { HotPath } from './db/hot-path';
import type { LastUseOptions } from './db/last-use';
import { JwtService } from './lib/jwt';
import { Limits } from './lib/limits';
import { NO_METRICS, type Metrics } from './lib/metrics';
import { PendingSignups } from './modules/signup/pending-signups';
import { MailOutbox } from './mail/outbox';
import { MailRequestQueue } from './mail/requests';
import { OneTimeCodes } from './lib/one-time-codes';
import { PasswordHasher } from './lib/passwords';
import { MemoryRateLimiter, type RateLimiter } from './lib/rate-limit';
import { SessionStore } from './db/sessions';

/** The long-lived services of one process, shared by the server, the bridge and the CLI. */
export function createServices(
  config: Config,
  db: Db,
  clock: Clock,
  log: FastifyBaseLogger,
  limiter: RateLimiter = new MemoryRateLimiter(clock),
  metrics: Metrics = NO_METRICS,
  lastUse: LastUseOptions = {},
): Services {
  const hot = HotPath.open(config.database, db, log, lastUse);
  return {
    config,
    db,
    clock,
    log,
    outbox: new MailOutbox(clock, config.mail.defaultExpiryMs),
    mailRequests: new MailRequestQueue(clock),
    jwt: new JwtService(config.auth.jwt, clock),
    sessions: new SessionStore(db, clock, hot),
    codes: new OneTimeCodes(config.auth.codeKey, clock, metrics),
    passwords: new PasswordHasher(config.auth.argon2),
    limiter,
    limits: new Limits(limiter, config.limits, metrics),
    metrics,
    hot,
    pendingSignups: new PendingSignups(db, clock, config.auth.pendingSignupTtlSeconds),
  };
}

/** The context of the platform itself (the CLI): every operation is allowed. */
export function systemContext(services: Services, requestId = 'cli'): GqlContext {
  return { ...services, requestId, ip: '127.0.0.1', credentials: { cookies: {} }, principal: { kind: 'system' } };
}
