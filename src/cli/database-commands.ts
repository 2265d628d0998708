import { migrateLatest } from '../db/knex';
import type { DatabaseConfig } from '../config';
import { backupSqlite, maskPassword, pgDumpCommand } from './backup';
import { CliError, UsageError, type CommandSpec } from './command';
import { lastBatch, migrationState, rollbackLastBatch } from './migrations';
import { bytes, indent, plural, table, when } from './output';

/** Where the database is, for people (a PostgreSQL password masked). */
function describeDatabase(database: DatabaseConfig): string {
  if (database.client === 'sqlite') return `SQLite ${database.connection}`;
  return `PostgreSQL ${maskPassword(database.connection)}${database.schema ? ` (schema ${database.schema})` : ''}`;
}

/** The commands that work on the database itself rather than through the GraphQL operations. */
export const DATABASE_COMMANDS: readonly CommandSpec[] = [
  {
    name: 'migrate',
    section: 'Database',
    summary: 'apply the pending migrations (the only command that changes the schema)',
    details: [
      'Creates the SQLite file when there is none. Several processes may run it at once: one applies,',
      'the others wait for it. See also `migrate status` and `migrate rollback`.',
    ],
    options: [],
    examples: ['hydracore migrate', 'DATABASE_URL=postgres://hydra@db/hydracore hydracore migrate'],
    needs: 'database',
    async run({ db }) {
      const applied = await migrateLatest(db);
      return {
        data: { applied },
        text: applied.length > 0 ? `Applied ${plural(applied.length, 'migration')}:\n${indent(applied.join('\n'))}` : 'Already up to date: no pending migrations.',
      };
    },
  },
  {
    name: 'migrate status',
    section: 'Database',
    summary: 'list the applied migrations (with their batch) and the pending ones',
    options: [],
    examples: ['hydracore migrate status', 'hydracore migrate status --json'],
    needs: 'database',
    async run({ db, config }) {
      const state = await migrationState(db, config.database);
      const applied = table(state.applied, [['batch', (m) => String(m.batch)], ['migrated', (m) => when(m.migratedAt)], ['name', (m) => m.name]], 'none');
      const text = [
        `Database: ${describeDatabase(config.database)}`,
        `Applied (${state.applied.length}):`,
        indent(applied),
        state.pending.length > 0 ? `Pending (${state.pending.length}), applied by \`hydracore migrate\`:\n${indent(state.pending.join('\n'))}` : 'Pending: none (up to date).',
      ].join('\n');
      return { data: state, text };
    },
  },
  {
    name: 'migrate rollback',
    section: 'Database',
    summary: 'undo the last batch of migrations (needs --yes: it can drop tables and data)',
    details: [
      'A batch is what one `hydracore migrate` applied (`migrate status` shows the batches). On a first',
      'install that is every migration: rolling it back empties the database. Stop the servers first:',
      'they need the schema this version migrates to.',
    ],
    options: [{ name: 'yes', kind: 'flag', help: 'go ahead (without it, nothing is done and it says what would be undone)' }],
    examples: ['hydracore migrate rollback --yes'],
    needs: 'database',
    async run({ db, config, options }) {
      const last = lastBatch(await migrationState(db, config.database));
      if (!last) return { data: { batch: null, rolledBack: [] }, text: 'Nothing to roll back: no migration has been applied.' };
      if (options.yes !== true) {
        const which = last.names.length > 3 ? `${last.names[0]} back to ${last.names[last.names.length - 1]}` : last.names.join(', ');
        throw new UsageError(`this undoes batch ${last.batch} (${plural(last.names.length, 'migration')}: ${which}), which can drop tables and their data: add --yes to go ahead`);
      }
      const done = await rollbackLastBatch(db);
      return {
        data: { batch: done.batch, rolledBack: done.names },
        text: `Rolled back batch ${done.batch} (${plural(done.names.length, 'migration')}):\n${indent(done.names.join('\n'))}\n\`hydracore migrate\` applies them again.`,
      };
    },
  },
  {
    name: 'backup',
    section: 'Database',
    summary: 'copy the SQLite database to FILE, online (PostgreSQL: prints the pg_dump command)',
    details: [
      "SQLite's online backup API copies one consistent snapshot; FILE appears only once complete.",
      'PostgreSQL is backed up with pg_dump: the command prints it for the configured database',
      '(password masked), writes nothing and exits 1.',
    ],
    args: [{ name: 'FILE', help: 'where to write the copy (refused if it exists, unless --force)' }],
    options: [{ name: 'force', kind: 'flag', help: 'replace FILE if it exists' }],
    examples: ['hydracore backup backups/hydracore-$(date +%F).sqlite'],
    needs: 'nothing',
    async run({ config, args, options }) {
      const [file] = args;
      const { database } = config;
      if (database.client === 'postgres') {
        const command = pgDumpCommand(database.connection, database.schema, file);
        const masked = command.includes('****');
        throw new CliError(
          [
            'backup copies SQLite databases; this one is PostgreSQL, so nothing was written. Back it up with pg_dump:',
            `  ${command}`,
            ...(masked ? ['(The password is masked: put it back, or leave it out and use PGPASSWORD or ~/.pgpass.)'] : []),
          ].join('\n'),
          { engine: 'postgres', written: false, command },
        );
      }
      const done = await backupSqlite(database.connection, file, options.force === true);
      return {
        data: { engine: 'sqlite', ...done },
        text: `Backed up ${done.source} to ${done.file}: ${bytes(done.bytes)} (${plural(done.pages, 'page')}).`,
      };
    },
  },
];
