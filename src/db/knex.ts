import fs from 'node:fs';
import path from 'node:path';
import knexFactory, { type Knex } from 'knex';
import type { DatabaseConfig } from '../config';
import { migrationSource } from '../../migrations';

export type Db = Knex;

/** Where knex's own messages go (without one, knex prints them to stdout, outside the log). */
export interface DbLog {
  warn(message: string): void;
  error(message: string): void;
}

/**
 * knex's messages as log lines. A failed connection attempt is one line: its stack is the
 * pool's, and the query that needed the connection fails with the cause anyway.
 */
function knexLog(log: DbLog): Knex.Config['log'] {
  return {
    warn: (message: string) => log.warn(`knex: ${message.startsWith('Acquire connection error') ? message.split('\n', 1)[0] : message}`),
    error: (message: string) => log.error(`knex: ${message}`),
    deprecate: (message: string) => log.warn(`knex: ${message}`),
    debug: () => undefined,
  };
}

/**
 * One knex instance per process (`log` replaces knex's console logger). SQLite is the embedded default: a file under ./data,
 * WAL mode so readers never wait for the writer, foreign keys on, and a busy timeout
 * so a second process (the CLI next to a running server) waits instead of failing.
 */
export function createDb(config: DatabaseConfig, log?: DbLog): Db {
  const logOption = log ? { log: knexLog(log) } : {};
  if (config.client === 'sqlite') {
    if (config.connection !== ':memory:') fs.mkdirSync(path.dirname(path.resolve(config.connection)), { recursive: true });
    return knexFactory({
      client: 'better-sqlite3',
      connection: { filename: config.connection },
      useNullAsDefault: true,
      pool: {
        min: 1,
        max: 1,
        afterCreate: (conn: { pragma: (sql: string) => unknown }, done: (err: Error | null, conn: unknown) => void) => {
          conn.pragma('journal_mode = WAL');
          conn.pragma('foreign_keys = ON');
          conn.pragma('busy_timeout = 5000');
          conn.pragma('synchronous = NORMAL');
          done(null, conn);
        },
      },
      migrations: { migrationSource, tableName: 'knex_migrations' },
      ...logOption,
    });
  }
  return knexFactory({
    client: 'pg',
    connection: config.connection,
    searchPath: config.schema ? [config.schema] : undefined,
    pool: { min: 0, max: 10 },
    migrations: { migrationSource, tableName: 'knex_migrations', schemaName: config.schema },
    ...logOption,
  });
}

/**
 * Applies pending migrations. Several gateway processes may start at once: knex lets one
 * hold the migration lock and the others fail with MigrationLocked, so those wait and try
 * again (then find nothing left to do) instead of failing to start.
 */
export async function migrateLatest(db: Db, attempts = 60): Promise<string[]> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      const [, applied] = (await db.migrate.latest()) as [number, string[]];
      return applied;
    } catch (error) {
      if ((error as Error).name !== 'MigrationLocked' || attempt >= attempts) throw error;
      await new Promise((resolve) => setTimeout(resolve, 250 + Math.random() * 250));
    }
  }
}

/** True when every migration this build knows about has been applied. */
export async function migrationsCurrent(db: Db): Promise<boolean> {
  const [, pending] = (await db.migrate.list()) as [unknown[], unknown[]];
  return pending.length === 0;
}

export function isPostgres(db: Db): boolean {
  return db.client.config.client === 'pg';
}
