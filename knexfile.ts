/**
 * knex CLI configuration (`npx knex migrate:latest --knexfile dist/knexfile.js`).
 * The gateway itself migrates on start and through `hydracore migrate`; both read the
 * same environment through `loadConfig`, so this file holds no settings of its own.
 */
import type { Knex } from 'knex';
import { loadConfig } from './src/config';
import { createDb } from './src/db/knex';

const db = createDb(loadConfig().database);
const config: Knex.Config = db.client.config as Knex.Config;
void db.destroy();

export default config;
