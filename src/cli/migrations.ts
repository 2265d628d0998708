import { migrationSource } from '../../migrations';
import type { DatabaseConfig } from '../config';
import type { Db } from '../db/knex';
import { CliError } from './command';
import { plural } from './output';

/** knex's bookkeeping table (src/db/knex.ts configures the migrator with it). */
const TABLE = 'knex_migrations';

export interface AppliedMigration {
  name: string;
  batch: number;
  migratedAt: string;
}

export interface MigrationState {
  applied: AppliedMigration[];
  /** What `hydracore migrate` would apply, in order. */
  pending: string[];
}

const table = (db: Db, config: DatabaseConfig) => (config.schema ? db.withSchema(config.schema).from(TABLE) : db.from(TABLE));

/** Every migration this build has, in order (migrations/index.ts). */
async function knownMigrations(): Promise<string[]> {
  return (await migrationSource.getMigrations([])).map((m) => migrationSource.getMigrationName(m));
}

/**
 * Applied and pending migrations, read without side effects: knex's `migrate.list()` (the
 * pending list `migrate.latest()` works from) creates its bookkeeping tables when they are
 * missing, so a database that has none is reported as all pending without asking it.
 */
export async function migrationState(db: Db, config: DatabaseConfig): Promise<MigrationState> {
  const known = await knownMigrations();
  const hasTable = config.schema ? db.schema.withSchema(config.schema).hasTable(TABLE) : db.schema.hasTable(TABLE);
  if (!(await hasTable)) return { applied: [], pending: known };
  const rows: Array<{ name: string; batch: number; migration_time: string | Date }> = await table(db, config).orderBy('id').select('name', 'batch', 'migration_time');
  const unknown = rows.map((r) => r.name).filter((name) => !known.includes(name));
  if (unknown.length > 0) {
    throw new CliError(`the database has ${plural(unknown.length, 'migration')} this version does not know (${unknown.join(', ')}): it was migrated by a newer version of hydracore; use that version`);
  }
  const [, pending] = (await db.migrate.list()) as [unknown, Array<Parameters<typeof migrationSource.getMigrationName>[0]>];
  return {
    applied: rows.map((r) => ({ name: r.name, batch: Number(r.batch), migratedAt: new Date(r.migration_time).toISOString() })),
    pending: pending.map((m) => migrationSource.getMigrationName(m)),
  };
}

/** Refuses to go on with a database that `hydracore migrate` has not brought up to date. */
export async function requireMigrated(db: Db, config: DatabaseConfig): Promise<void> {
  const { pending } = await migrationState(db, config);
  if (pending.length > 0) {
    throw new CliError(`the database is not migrated (${plural(pending.length, 'pending migration')}): run \`hydracore migrate\` first`);
  }
}

/** The last batch, newest first: what `migrate rollback` would undo. */
export function lastBatch(state: MigrationState): { batch: number; names: string[] } | undefined {
  if (state.applied.length === 0) return undefined;
  const batch = Math.max(...state.applied.map((m) => m.batch));
  return { batch, names: state.applied.filter((m) => m.batch === batch).map((m) => m.name).reverse() };
}

/** Undoes the last batch with knex's migrator; the names it rolled back, newest first. */
export async function rollbackLastBatch(db: Db): Promise<{ batch: number; names: string[] }> {
  const [batch, names] = (await db.migrate.rollback()) as [number, string[]];
  return { batch, names };
}
