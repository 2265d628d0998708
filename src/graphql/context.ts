import type { FastifyBaseLogger } from 'fastify';
import type { Config } from '../config';
import type { Db } from '../db/knex';
import type { Clock } from '../lib/clock';
import type { MailOutbox } from '../lib/mail/outbox';

/** Who is calling. Later capabilities add operators, customers and API keys. */
export type Principal =
  | { kind: 'anonymous' }
  /** The platform itself: the `hydracore` CLI running on the server's own database. */
  | { kind: 'system' };

/** Long-lived services shared by every request, built once by `buildApp`. */
export interface Services {
  config: Config;
  db: Db;
  clock: Clock;
  outbox: MailOutbox;
  log: FastifyBaseLogger;
}

/** The per-operation context, the same for `/graphql`, the REST bridge and the CLI. */
export interface GqlContext extends Services {
  requestId: string;
  ip: string;
  principal: Principal;
}
