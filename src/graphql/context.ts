import type { FastifyBaseLogger } from 'fastify';
import type { Config } from '../config';
import type { HotPath } from '../db/hot-path';
import type { Db } from '../db/knex';
import type { Clock } from '../lib/clock';
import type { JwtService } from '../lib/jwt';
import type { MailOutbox } from '../mail/outbox';
import type { MailRequestQueue } from '../mail/requests';
import type { OneTimeCodes } from '../lib/one-time-codes';
import type { PasswordHasher } from '../lib/passwords';
import type { Limits } from '../lib/limits';
import type { Metrics } from '../lib/metrics';
import type { PendingSignups } from '../modules/signup/pending-signups';
import type { RateLimiter } from '../lib/rate-limit';
import type { Principal } from '../lib/principal';
import type { RequestContext } from '../lib/request-context';
import type { SessionStore } from '../db/sessions';

export type { Principal } from '../lib/principal';

/** Credentials a request carried, not yet checked (see graphql/authenticate.ts). */
export interface Credentials {
  /** The token of an `Authorization: Bearer` header; it wins over any cookie. */
  bearer?: string;
  /** An `X-Api-Key` header: it wins over both the header token and cookies. */
  apiKey?: string;
  /** The request's cookies (refresh tokens are read from them when a body leaves them out). */
  cookies: Record<string, string>;
}

/** Long-lived services shared by every request, built once by `buildApp`. */
export interface Services {
  config: Config;
  db: Db;
  clock: Clock;
  outbox: MailOutbox;
  /** Mail that depends on whether an account exists: queued, resolved after the answer. */
  mailRequests: MailRequestQueue;
  log: FastifyBaseLogger;
  jwt: JwtService;
  sessions: SessionStore;
  codes: OneTimeCodes;
  passwords: PasswordHasher;
  limiter: RateLimiter;
  limits: Limits;
  /** Counts what operators watch in `/metrics` (logins, refreshes, codes, limits, operation time). */
  metrics: Metrics;
  /** Prepared statements for what every authenticated request reads. */
  hot: HotPath;
  pendingSignups: PendingSignups;
}

/** The per-operation context, the same for `/graphql`, the REST bridge and the CLI. */
export interface GqlContext extends Services {
  requestId: string;
  ip: string;
  /** The request's `User-Agent`, recorded on the sessions it starts. */
  userAgent?: string;
  credentials: Credentials;
  /** Starts `anonymous` (or `system`); `authenticate()` replaces it once checked. */
  principal: Principal;
  /**
   * The input class whose value this surface has already validated (the REST bridge checks a
   * body with FastAPI's rules before it runs the operation), so execution does not check it
   * again: each input is validated once per surface, from the same declarations.
   */
  validatedInput?: Function;
  /**
   * `rest` when the REST bridge runs the operation: its errors answer on the legacy surface.
   * An input validated in execution there (one that is not the body, e.g. `POST /auth/token`'s
   * HTTP Basic credentials) then reports FastAPI's `loc` (`["body","email"]`); everywhere else
   * (`/graphql`, the CLI) `loc` is in GraphQL terms (`["input","email"]`).
   */
  surface?: 'rest';
}

/** What lower layers (audit, data) need to know of a request: plain values, no GraphQL. */
export function requestContext(ctx: GqlContext): RequestContext {
  return { actor: actorOf(ctx.principal), ip: ctx.ip, requestId: ctx.requestId, clock: ctx.clock };
}

/** Who acts, for the record. */
function actorOf(principal: Principal): RequestContext['actor'] {
  switch (principal.kind) {
    case 'operator':
      return { kind: 'user', id: principal.userId };
    case 'customer':
      return { kind: 'customer', id: principal.customerId };
    case 'apiKey':
      return { kind: 'api_key', id: principal.keyId };
    default:
      return { kind: principal.kind, id: null };
  }
}
