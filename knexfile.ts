/**
 * The knex configuration the gateway uses, for tools that want a knexfile. To migrate, use
 * `npm run migrate`, `npm run migrate:status` and `npm run migrate:rollback` (the `hydracore`
 * CLI): knex's own CLI changes into the knexfile's folder first, so with
 * `--knexfile dist/knexfile.js` the default SQLite file would be dist/data/hydracore.sqlite,
 * another database than the server's (add `--cwd .` if you use it anyway). Everything is read
 * from the environment through `loadConfig`; this file holds no settings of its own.
 */
import type { Knex } from 'knex';
import { loadConfig } from './src/config';
import { createDb } from './src/db/knex';

const db = createDb(loadConfig().database);
const config: Knex.Config = db.client.config as Knex.Config;
void db.destroy();

export default config;
