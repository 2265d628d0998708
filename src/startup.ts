import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { FastifyBaseLogger } from 'fastify';
import type Redis from 'ioredis';
import { ConfigError, type Config, type DatabaseConfig } from './config';
import { createDb, type Db } from './db/knex';
import { connectRedis } from './lib/redis-rate-limit';
import { maskPassword } from './lib/secrets';

/**
 * What the server checks and says when it starts: the database answers (or the start stops
 * with one line naming DATABASE_URL), Redis outages are reported once each, and once listening
 * one summary line (what it runs on, where to look) and a warning per risky setting.
 */

/** The cause of a failed connection, short: `ECONNREFUSED`, or a code and the first line of the message. */
function causeOf(error: unknown): string {
  const failure = error as { code?: unknown; message?: unknown; errors?: Array<{ code?: unknown }> };
  // A name resolving to several addresses fails with an AggregateError: its parts carry the code.
  const code = typeof failure.code === 'string' ? failure.code : failure.errors?.map((part) => part.code).find((c): c is string => typeof c === 'string');
  const message = typeof failure.message === 'string' ? failure.message.split('\n', 1)[0] : String(error);
  if (code !== undefined && /^E[A-Z0-9_]+$/.test(code)) return code;
  if (code === undefined || message.includes(code)) return message || 'unknown error';
  return message === '' ? code : `${code}: ${message}`;
}

function describeDatabase(database: DatabaseConfig): string {
  if (database.client === 'sqlite') return `SQLite ${path.resolve(database.connection)}`;
  return `PostgreSQL ${maskPassword(database.connection)}${database.schema ? ` (schema ${database.schema})` : ''}`;
}

/**
 * Opens the configured database and checks that it answers, or stops the start with one line:
 * `DATABASE_URL: cannot connect to postgres://user:***@host:5432/db (ECONNREFUSED)` instead of
 * a stack trace from the migrations. knex's own messages go to the log, once it has answered.
 */
export async function openDatabase(database: DatabaseConfig, log: FastifyBaseLogger): Promise<Db> {
  let reached = false;
  const db = createDb(database, {
    warn: (message) => {
      if (reached) log.warn(message);
    },
    error: (message) => log.error(message),
  });
  try {
    await db.raw('select 1');
  } catch (error) {
    await db.destroy().catch(() => undefined);
    const where = database.client === 'postgres' ? maskPassword(database.connection) : `SQLite file ${path.resolve(database.connection)}`;
    throw new ConfigError([`DATABASE_URL: cannot ${database.client === 'postgres' ? 'connect to' : 'open'} ${where} (${causeOf(error)})`]);
  }
  reached = true;
  return db;
}

/**
 * Connects to REDIS_URL (waiting up to 2 s; an unreachable Redis does not stop the start) and
 * logs an outage once when it starts, with its cause (the client keeps reconnecting, and each
 * attempt fails again), and once when Redis answers again. Meanwhile every limit holds per
 * process (src/lib/redis-rate-limit.ts).
 */
export async function openRedis(url: string, log: FastifyBaseLogger): Promise<Redis> {
  const where = maskPassword(url);
  let down = false;
  const redis = await connectRedis(url, 2000, (error) => {
    if (down) return;
    down = true;
    log.warn({ err: error }, `REDIS_URL: cannot reach ${where} (${causeOf(error)}): rate limits are enforced per process until it answers`);
  });
  redis.on('ready', () => {
    if (!down) return;
    down = false;
    log.info(`REDIS_URL: ${where} answers again: rate limits are shared again`);
  });
  return redis;
}

function describeMail(mail: Config['mail']): string {
  switch (mail.transport) {
    case 'smtp':
      return `smtp ${maskPassword(mail.smtpUrl ?? '')}`;
    case 'resend':
      return `resend ${mail.resendApiUrl}`;
    default:
      return 'console (every mail is printed to this log)';
  }
}

function describeRedis(config: Config, redisReady: boolean | undefined): string {
  if (config.redisUrl === undefined) return 'none: rate limits are counted in this process';
  const where = maskPassword(config.redisUrl);
  return redisReady ? `${where}: rate limits shared` : `${where} unreachable: rate limits are counted in this process until it answers`;
}

/** The address the server listens on, as a URL (`http://127.0.0.1:8000`, `http://[::1]:8000`). */
export function listenUrl(address: AddressInfo | string | undefined, config: Pick<Config, 'host' | 'port'>): string {
  if (typeof address === 'string') return address;
  if (address === undefined) return `http://${config.host}:${config.port}`;
  return `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;
}

/** What a person starting the server wants to know at a glance, and what an operator greps for. */
export function startupSummary(config: Config, listen: string, redisReady: boolean | undefined): Record<string, unknown> {
  const urls: Record<string, string> = { graphql: `${config.publicUrl}/graphql` };
  if (config.graphiql) urls.graphiql = `${config.publicUrl}/graphiql`;
  if (config.docs) urls.docs = `${config.publicUrl}/docs`;
  urls.openapi = `${config.publicUrl}/openapi.json`;
  if (config.metrics) urls.metrics = `${config.publicUrl}/metrics`;
  return {
    listen,
    env: config.env,
    database: describeDatabase(config.database),
    mail: describeMail(config.mail),
    redis: describeRedis(config, redisReady),
    urls,
  };
}

/** The summary line, then one warning per risky setting (config.ts `riskySettings`). */
export function logStartup(log: FastifyBaseLogger, config: Config, listen: string, redisReady: boolean | undefined): void {
  log.info(startupSummary(config, listen, redisReady), `HydraCore gateway listening on ${listen}`);
  for (const warning of config.warnings) log.warn({ setting: /^[A-Z0-9_]+/.exec(warning)?.[0] }, warning);
}
