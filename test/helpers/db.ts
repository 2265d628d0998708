import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import knexFactory from 'knex';
import type { DatabaseConfig } from '../../src/config';

/**
 * The engine this run tests against: PostgreSQL when TEST_DATABASE_URL is set (the test
 * command sets it when a server is reachable), SQLite otherwise. Each test file gets a
 * database of its own: a fresh SQLite file, or a fresh PostgreSQL schema.
 */
export const engine: 'sqlite' | 'postgres' = process.env.TEST_DATABASE_URL ? 'postgres' : 'sqlite';

export interface TestDatabase {
  config: DatabaseConfig;
  drop(): Promise<void>;
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const suffix = randomBytes(6).toString('hex');
  if (engine === 'sqlite') {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hydracore-test-'));
    return {
      config: { client: 'sqlite', connection: path.join(dir, `test-${suffix}.sqlite`) },
      drop: async () => fs.rmSync(dir, { recursive: true, force: true }),
    };
  }
  const url = process.env.TEST_DATABASE_URL as string;
  const schema = `test_${suffix}`;
  const admin = knexFactory({ client: 'pg', connection: url, pool: { min: 0, max: 1 } });
  await admin.raw('create schema ??', [schema]);
  await admin.destroy();
  return {
    config: { client: 'postgres', connection: url, schema },
    drop: async () => {
      const cleanup = knexFactory({ client: 'pg', connection: url, pool: { min: 0, max: 1 } });
      await cleanup.raw('drop schema if exists ?? cascade', [schema]);
      await cleanup.destroy();
    },
  };
}
