import { execFile, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { migrationSource } from '../../migrations';
import { createDb, migrateLatest, type Db } from '../../src/db/knex';
import { createTestDatabase, engine, type TestDatabase } from '../helpers/db';
import { processEnv } from '../helpers/gateway';

/**
 * The built `hydracore` as an operator runs it: a real process, its exit code, stdout and
 * stderr (`npm test` builds dist/ first; `npx tsc -p tsconfig.build.json` by hand).
 */
const CLI_JS = path.resolve(__dirname, '..', '..', 'dist', 'src', 'cli', 'main.js');
const built = fs.existsSync(CLI_JS);
const VERSION = (JSON.parse(fs.readFileSync(path.resolve(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string }).version;

const MIGRATIONS: Promise<string[]> = migrationSource.getMigrations([]).then((all) => all.map((m) => migrationSource.getMigrationName(m)));

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

(built ? describe : describe.skip)(`the built hydracore process (${engine})`, () => {
  let dir: string;
  let database: TestDatabase;
  let env: NodeJS.ProcessEnv;

  const envFor = (config: TestDatabase['config']): NodeJS.ProcessEnv => processEnv(config, { LOG_LEVEL: 'warn', MIGRATE_ON_START: 'false' });
  const hydracore = (args: string[], options: { input?: string; env?: NodeJS.ProcessEnv } = {}): Run =>
    spawnSync(process.execPath, [CLI_JS, ...args], { cwd: dir, env: options.env ?? env, input: options.input ?? '', encoding: 'utf8', timeout: 60_000 });
  /** Reads the bookkeeping directly (not through the CLI under test). */
  const appliedNames = async (): Promise<string[]> => {
    const db = createDb(database.config);
    try {
      const table = database.config.schema ? db.schema.withSchema(database.config.schema) : db.schema;
      if (!(await table.hasTable('knex_migrations'))) return [];
      return (await db('knex_migrations').orderBy('id').select('name')).map((r: { name: string }) => r.name);
    } finally {
      await db.destroy();
    }
  };

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hydracore-cli-'));
    database = await createTestDatabase();
    env = envFor(database.config);
  });
  afterEach(async () => {
    await database.drop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('--version prints the version in package.json; --help the commands; both exit 0', () => {
    expect(hydracore(['--version'])).toMatchObject({ status: 0, stdout: `hydracore ${VERSION}\n`, stderr: '' });
    expect(JSON.parse(hydracore(['--version', '--json']).stdout)).toEqual({ version: VERSION });
    const help = hydracore(['-h']);
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/^hydracore .+\n\nUsage: hydracore <command> \[options\] \[--json\]\n/);
    expect(help.stdout).toContain('Exit codes: 0 done; 1 refused or failed (the reason on stderr); 2 usage error or invalid input.');
    const one = hydracore(['backup', '--help']);
    expect(one).toMatchObject({ status: 0, stderr: '' });
    expect(one.stdout).toMatch(/^Usage: hydracore backup FILE \[--force\]\n\nCopy the SQLite database to FILE, online/);
  });

  it('usage errors: one line, then only that command\'s usage, on stderr, exit 2', () => {
    const run = hydracore(['node', 'add', '--hostname', 'n1.example.com', '--base-domain', 'sites.example.com', '--capacity', '-5']);
    expect(run).toEqual({
      ...run,
      status: 2,
      stdout: '',
      stderr:
        'hydracore: --capacity must be a whole number from 0 to 1000000 (got "-5")\n\n' +
        'Usage: hydracore node add --hostname HOST --base-domain DOMAIN --capacity N [--tenant SLUG]\n' +
        'For more, try `hydracore node add --help`.\n',
    });
    const unknown = hydracore(['frobnicate']);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr.split('\n').slice(0, 3)).toEqual(['hydracore: unknown command "frobnicate"', '', 'Database:']);
    expect(hydracore([]).status).toBe(2);
  });

  it('only migrate migrates: every other command refuses an unmigrated database in one line, and changes nothing', async () => {
    const names = await MIGRATIONS;
    const refused = hydracore(['tenant', 'list']);
    expect(refused).toMatchObject({ status: 1, stdout: '' });
    if (engine === 'sqlite') {
      // No file yet: not even created by asking.
      expect(refused.stderr).toBe(`hydracore: no database at ${database.config.connection}: \`hydracore migrate\` creates it (or set DATABASE_URL to the server's)\n`);
      expect(fs.existsSync(database.config.connection)).toBe(false);
      expect(hydracore(['migrate', 'status']).status).toBe(1);
      fs.writeFileSync(database.config.connection, '');
    }
    expect(hydracore(['tenant', 'list'])).toMatchObject({ status: 1, stderr: `hydracore: the database is not migrated (${names.length} pending migrations): run \`hydracore migrate\` first\n` });
    expect(hydracore(['demo']).status).toBe(1);
    const status = hydracore(['migrate', 'status', '--json']);
    expect(status.status).toBe(0);
    expect(JSON.parse(status.stdout)).toEqual({ applied: [], pending: names });
    expect(await appliedNames()).toEqual([]);

    const migrate = hydracore(['migrate']);
    expect(migrate).toEqual({ ...migrate, status: 0, stderr: '', stdout: `Applied ${names.length} migrations:\n${names.map((n) => `  ${n}\n`).join('')}` });
    expect(await appliedNames()).toEqual(names);
    expect(hydracore(['migrate'])).toMatchObject({ status: 0, stdout: 'Already up to date: no pending migrations.\n' });
    expect(JSON.parse(hydracore(['migrate', '--json']).stdout)).toEqual({ applied: [] });
    expect(hydracore(['tenant', 'list'])).toMatchObject({ status: 0, stdout: 'No tenants yet: `hydracore tenant create` makes one (or `hydracore demo`).\n' });
  });

  it('migrate status and migrate rollback work by batch; rollback asks for --yes', async () => {
    const names = await MIGRATIONS;
    expect(hydracore(['migrate']).status).toBe(0);
    // One migration undone behind the CLI's back: it is pending, and the next `migrate` applies it as batch 2.
    const db: Db = createDb(database.config);
    await db.migrate.down();
    await db.destroy();
    const last = names[names.length - 1];
    expect(hydracore(['tenant', 'list'])).toMatchObject({ status: 1, stderr: 'hydracore: the database is not migrated (1 pending migration): run `hydracore migrate` first\n' });
    const pending = hydracore(['migrate', 'status']);
    expect(pending.stdout).toContain(`Pending (1), applied by \`hydracore migrate\`:\n  ${last}\n`);
    expect(hydracore(['migrate']).stdout).toBe(`Applied 1 migration:\n  ${last}\n`);

    const status = hydracore(['migrate', 'status']);
    expect(status.status).toBe(0);
    const lines = status.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(engine === 'sqlite' ? /^Database: SQLite .+\.sqlite$/ : /^Database: PostgreSQL postgres:\/\/.+ \(schema test_\w+\)$/);
    expect(lines[1]).toBe(`Applied (${names.length}):`);
    expect(lines[2]).toMatch(/^ {2}BATCH +MIGRATED +NAME$/);
    expect(lines.slice(3, 3 + names.length).map((l) => l.trim().split(/ {2,}/))).toEqual(names.map((n, i) => [i === names.length - 1 ? '2' : '1', expect.stringMatching(/^\d{4}-\d\d-\d\d \d\d:\d\dZ$/), n]));
    expect(lines[3 + names.length]).toBe('Pending: none (up to date).');

    const asked = hydracore(['migrate', 'rollback']);
    expect(asked.status).toBe(2);
    expect(asked.stderr.split('\n')[0]).toBe(`hydracore: this undoes batch 2 (1 migration: ${last}), which can drop tables and their data: add --yes to go ahead`);
    expect(await appliedNames()).toEqual(names);

    expect(hydracore(['migrate', 'rollback', '--yes'])).toMatchObject({ status: 0, stdout: `Rolled back batch 2 (1 migration):\n  ${last}\n\`hydracore migrate\` applies them again.\n` });
    expect(await appliedNames()).toEqual(names.slice(0, -1));
    const all = hydracore(['migrate', 'rollback', '--yes', '--json']);
    expect(JSON.parse(all.stdout)).toEqual({ batch: 1, rolledBack: names.slice(0, -1).reverse() });
    expect(await appliedNames()).toEqual([]);
    expect(hydracore(['migrate', 'rollback'])).toMatchObject({ status: 0, stdout: 'Nothing to roll back: no migration has been applied.\n' });
  });

  it('admin create --password-stdin reads one line of a pipe; --password is refused and not echoed', async () => {
    hydracore(['migrate']);
    const created = hydracore(['admin', 'create', '--email', 'root@example.com', '--password-stdin', '--json'], { input: 'a long admin passphrase\n' });
    expect(created).toMatchObject({ status: 0, stderr: '' });
    expect(JSON.parse(created.stdout)).toMatchObject({ email: 'root@example.com', isAdmin: true, emailVerified: true });
    const refused = hydracore(['admin', 'create', '--email', 'other@example.com', '--password', 'hunter2 hunter2']);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toMatch(/^hydracore: --password is refused: a password on the command line is visible to other users \(ps\)/);
    expect(refused.stderr).not.toContain('hunter2');
    const noTerminal = hydracore(['admin', 'create', '--email', 'other@example.com']);
    expect(noTerminal.status).toBe(2);
    const admins = JSON.parse(hydracore(['admin', 'list', '--json']).stdout);
    expect(admins.map((a: { email: string }) => a.email)).toEqual(['root@example.com']);
  });

  it('--json prints JSON on stdout (logs never mix in); without it, aligned text', () => {
    hydracore(['migrate']);
    expect(hydracore(['demo', '--json'])).toMatchObject({ status: 0, stderr: '' });
    expect(hydracore(['tenant', 'create', '--slug', 'a-much-longer-slug', '--name', 'Long']).status).toBe(0);
    const asJson = hydracore(['tenant', 'list', '--json']);
    expect(JSON.parse(asJson.stdout).map((tenant: { slug: string }) => tenant.slug)).toEqual(['a-much-longer-slug', 'demo']);
    const text = hydracore(['tenant', 'list']).stdout.trimEnd().split('\n');
    expect(text.map((l) => l.indexOf(l.split(/ {2,}/)[1]))).toEqual([20, 20, 20]);
  });

  it('an unreachable database is one line (no stack), exit 1', () => {
    const run = hydracore(['tenant', 'list'], { env: { ...env, DATABASE_URL: 'postgres://hydra:pw@127.0.0.1:1/hydracore', DATABASE_SCHEMA: '' } });
    expect(run).toMatchObject({ status: 1, stdout: '', stderr: 'hydracore: connect ECONNREFUSED 127.0.0.1:1\n' });
  });

  it('backup on PostgreSQL writes nothing, prints the pg_dump command with the password masked, exit 1', () => {
    const pg = { ...env, DATABASE_URL: "postgres://hydra:s3cr't@db.example.com:5432/hydracore?sslmode=require", DATABASE_SCHEMA: 'gateway' };
    const file = path.join(dir, 'backup.dump');
    const run = hydracore(['backup', file], { env: pg });
    expect(run.status).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).not.toContain("s3cr't");
    expect(run.stderr).toBe(
      'hydracore: backup copies SQLite databases; this one is PostgreSQL, so nothing was written. Back it up with pg_dump:\n' +
        `  pg_dump --format=custom --file=${file} --schema=gateway --dbname='postgres://hydra:****@db.example.com:5432/hydracore?sslmode=require'\n` +
        '(The password is masked: put it back, or leave it out and use PGPASSWORD or ~/.pgpass.)\n',
    );
    expect(fs.existsSync(file)).toBe(false);
    const asJson = hydracore(['backup', file, '--json'], { env: { ...pg, DATABASE_URL: 'postgres://hydra@db.example.com/hydracore', DATABASE_SCHEMA: '' } });
    expect(JSON.parse(asJson.stderr).error).toMatchObject({ engine: 'postgres', written: false, command: `pg_dump --format=custom --file=${file} --dbname=postgres://hydra@db.example.com/hydracore` });
  });

  (engine === 'postgres' ? it : it.skip)('backup on the PostgreSQL under test names its schema', () => {
    hydracore(['migrate']);
    const run = hydracore(['backup', 'x.dump']);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(` --schema=${database.config.schema} --dbname=`);
  });

  (engine === 'sqlite' ? it : it.skip)(
    'backup copies a SQLite database while it is being written: one consistent, self-contained file',
    async () => {
      const source = database.config.connection;
      hydracore(['migrate']);
      hydracore(['demo']);
      const db = createDb(database.config);
      await migrateLatest(db);
      const event = (i: number) => ({ id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`, tenant_id: null, actor_kind: 'system', action: 'load.test', target_kind: 'x', target_id: String(i), created_at: new Date().toISOString() });
      await db.batchInsert('audit_events', Array.from({ length: 20_000 }, (_, i) => event(i)), 400);

      // A writer commits row after row while the backup process runs.
      let writing = true;
      let written = 20_000;
      const writer = (async () => {
        while (writing) {
          await db('audit_events').insert(event(written));
          written += 1;
          // better-sqlite3 answers at once: let the event loop see the backup process end.
          await new Promise((resolve) => setImmediate(resolve));
        }
      })();
      const file = path.join(dir, 'copy.sqlite');
      let copied: { stdout: string };
      try {
        copied = await promisify(execFile)(process.execPath, [CLI_JS, 'backup', file], { cwd: dir, env });
      } finally {
        writing = false;
        await writer;
        await db.destroy();
      }
      const before = written;
      expect(copied.stdout).toMatch(new RegExp(`^Backed up ${source.replace(/[.\\/]/g, '\\$&')} to ${file.replace(/[.\\/]/g, '\\$&')}: \\d+\\.\\d [KM]iB \\(\\d+ pages\\)\\.\\n$`));
      expect(before).toBeGreaterThan(20_000);

      const copy = new Database(file, { readonly: true });
      try {
        expect(copy.pragma('integrity_check', { simple: true })).toBe('ok');
        expect(copy.pragma('journal_mode', { simple: true })).toBe('delete');
        const { n, max } = copy.prepare("select count(*) as n, max(cast(target_id as integer)) as max from audit_events where action = 'load.test'").get() as { n: number; max: number };
        // A snapshot: every row up to some commit, none missing, none half-written.
        expect(n).toBe(max + 1);
        expect(n).toBeGreaterThanOrEqual(20_000);
        expect(n).toBeLessThanOrEqual(written);
      } finally {
        copy.close();
      }
      expect(fs.readdirSync(dir).filter((f) => f.endsWith('.tmp') || f.includes('-wal'))).toEqual([]);
      // The copy is a working database: the CLI runs on it.
      const onCopy = { ...env, DATABASE_URL: `sqlite:${file}` };
      expect(hydracore(['tenant', 'list', '--json'], { env: onCopy }).stdout).toContain('"slug": "demo"');

      // An existing file is kept unless --force.
      const size = fs.statSync(file).size;
      expect(hydracore(['backup', file])).toMatchObject({ status: 1, stderr: `hydracore: ${file} already exists: add --force to replace it\n` });
      expect(fs.statSync(file).size).toBe(size);
      expect(hydracore(['backup', file, '--force', '--json'])).toMatchObject({ status: 0 });
      expect(hydracore(['backup', source, '--force'])).toMatchObject({ status: 1, stderr: `hydracore: ${source} is the database itself\n` });
      expect(hydracore(['backup', path.join(dir, 'missing', 'x.sqlite')]).status).toBe(1);
    },
    60_000,
  );
});
