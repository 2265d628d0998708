import { spawn, spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EXAMPLE_JWT_SECRET } from '../../src/config';
import { createTestDatabase, engine, type TestDatabase } from '../helpers/db';
import { builtServerExists, MAIN_JS } from '../helpers/gateway';
import { freePort } from '../helpers/net';

/**
 * What the built server (`dist/src/main.js`, a real process) says when it starts: the summary
 * and a warning per risky setting once it listens, each request on one line (JSON or pretty),
 * and, when a setting cannot work, one line on stderr naming the variable, no stack.
 */

interface Run {
  stdout: string;
  stderr: string;
  code: number | null;
}

/** Only what is given: nothing of the test runner's own environment leaks into the server's. */
const baseEnv = (): NodeJS.ProcessEnv => ({ PATH: process.env.PATH, HOME: process.env.HOME, ARGON2_MEMORY_KIB: '1024', ARGON2_TIME_COST: '1' });

/** Starts the server, waits for its summary, runs `work` against it, stops it with SIGTERM. */
async function serve(env: NodeJS.ProcessEnv, work: (url: string) => Promise<void> = async () => undefined, cwd?: string): Promise<Run> {
  const port = await freePort();
  const child = spawn(process.execPath, [MAIN_JS], { cwd, env: { ...baseEnv(), PORT: String(port), ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  // 'close', not 'exit': the output may still be in the pipe when the process has exited.
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  try {
    for (let i = 0; !stdout.includes('HydraCore gateway listening on'); i += 1) {
      if (child.exitCode !== null || i > 200) throw new Error(`no start-up summary (exit ${child.exitCode}):\n${stdout}\n${stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await work(`http://127.0.0.1:${port}`);
  } finally {
    child.kill('SIGTERM');
  }
  const code = await exited; // first: the output is complete only then
  return { stdout, stderr, code };
}

/** A server that must not start: its exit status and its output. */
function refuse(env: NodeJS.ProcessEnv): Run {
  const run = spawnSync(process.execPath, [MAIN_JS], { env: { ...baseEnv(), PORT: '1', ...env }, encoding: 'utf8', timeout: 30_000 });
  return { stdout: run.stdout, stderr: run.stderr, code: run.status };
}

type Line = Record<string, unknown> & { level: number; msg: string };
const jsonLines = (stdout: string): Line[] =>
  stdout
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Line);

(builtServerExists() ? describe : describe.skip)(`the built server's start-up output (${engine})`, () => {
  let database: TestDatabase;
  let dbEnv: NodeJS.ProcessEnv;
  let dir: string;
  beforeAll(async () => {
    database = await createTestDatabase();
    const db = database.config;
    dbEnv = { DATABASE_URL: db.client === 'sqlite' ? `sqlite:${db.connection}` : db.connection, ...(db.schema ? { DATABASE_SCHEMA: db.schema } : {}) };
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hydracore-startup-'));
  });
  afterAll(async () => {
    await database.drop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const describedDatabase = () =>
    database.config.client === 'sqlite' ? `SQLite ${database.config.connection}` : `PostgreSQL ${database.config.connection} (schema ${database.config.schema})`;

  it('logs JSON when stdout is not a terminal: the summary, a warning per risky setting, one line per request', async () => {
    const run = await serve(
      { ...dbEnv, NODE_ENV: 'development', LOG_LEVEL: 'info', PUBLIC_URL: 'https://id.example.test', COOKIE_SECURE: 'false', AUTH_CACHE: 'false' },
      async (url) => {
        expect((await fetch(`${url}/v1/public/signup/plans/nowhere?token=never-logged`)).status).toBe(404);
        expect((await fetch(`${url}/healthz`)).status).toBe(200);
      },
    );
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    const lines = jsonLines(run.stdout); // every line parses: the default away from a terminal is JSON
    const summary = lines.find((l) => l.msg.startsWith('HydraCore gateway listening on'));
    expect(summary).toMatchObject({
      level: 30,
      listen: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/),
      env: 'development',
      database: describedDatabase(),
      mail: 'console (every mail is printed to this log)',
      redis: 'none: rate limits are counted in this process',
      urls: {
        graphql: 'https://id.example.test/graphql',
        graphiql: 'https://id.example.test/graphiql',
        docs: 'https://id.example.test/docs',
        openapi: 'https://id.example.test/openapi.json',
        metrics: 'https://id.example.test/metrics',
      },
    });
    expect(summary?.msg).toBe(`HydraCore gateway listening on ${summary?.listen}`);
    const warnings = lines.filter((l) => l.level === 40);
    expect(warnings.map((l) => l.setting)).toEqual(['JWT_SECRET', 'COOKIE_SECURE', 'TRUST_PROXY', 'AUTH_CACHE']);
    expect(warnings[0].msg).toMatch(/^JWT_SECRET is unset: .*every token .* dies when it restarts/);

    const requests = lines.filter((l) => l.msg === 'request completed');
    expect(requests).toEqual([expect.objectContaining({ req: expect.objectContaining({ method: 'GET', url: '/v1/public/signup/plans/nowhere' }), res: { statusCode: 404 } })]);
    expect(requests[0].reqId).toMatch(/^[0-9a-f-]{36}$/);
    expect(run.stdout).not.toContain('never-logged');
    expect(run.stdout).not.toContain('incoming request');
  }, 60_000);

  it('warns about what is risky in production, and says nothing about a careful configuration', async () => {
    const production = { ...dbEnv, NODE_ENV: 'production', LOG_LEVEL: 'info', PUBLIC_URL: 'http://localhost:8000', MFA_ENCRYPTION_KEY: Buffer.alloc(32, 1).toString('base64') };
    const risky = await serve({ ...production, JWT_SECRET: EXAMPLE_JWT_SECRET, MAIL_TRANSPORT: 'console', GRAPHIQL_ENABLED: 'true', GRAPHQL_INTROSPECTION: 'true' });
    expect(risky.code).toBe(0);
    expect(
      jsonLines(risky.stdout)
        .filter((l) => l.level === 40)
        .map((l) => l.setting),
    ).toEqual(['JWT_SECRET', 'GRAPHIQL_ENABLED', 'GRAPHQL_INTROSPECTION', 'MAIL_TRANSPORT']);

    const careful = await serve({ ...production, JWT_SECRET: 'a-real-secret-a-real-secret-a-real-secret-42', MAIL_TRANSPORT: 'smtp', SMTP_URL: 'smtp://mailer:hunter2@127.0.0.1:1' });
    expect(careful.code).toBe(0);
    const lines = jsonLines(careful.stdout);
    expect(lines.filter((l) => l.level >= 40)).toEqual([]);
    const summary = lines.find((l) => l.msg.startsWith('HydraCore gateway listening on'));
    expect(summary).toMatchObject({ env: 'production', mail: 'smtp smtp://mailer:***@127.0.0.1:1' });
    expect(summary?.urls).toEqual({ graphql: 'http://localhost:8000/graphql', docs: 'http://localhost:8000/docs', openapi: 'http://localhost:8000/openapi.json', metrics: 'http://localhost:8000/metrics' });
    expect(careful.stdout).not.toContain('hunter2');
  }, 60_000);

  it('LOG_FORMAT=pretty writes lines for a person, with the request on one line', async () => {
    let requestId: string | null = null;
    const run = await serve({ ...dbEnv, NODE_ENV: 'development', LOG_LEVEL: 'info', LOG_FORMAT: 'pretty' }, async (url) => {
      const res = await fetch(`${url}/v1/public/signup/plans/nowhere`);
      requestId = res.headers.get('x-request-id');
    });
    expect(run.code).toBe(0);
    const lines = run.stdout.split('\n').filter(Boolean);
    for (const line of lines) expect(() => JSON.parse(line)).toThrow();
    expect(run.stdout).toMatch(/^\[[\d:.]+\] INFO: HydraCore gateway listening on http:\/\/127\.0\.0\.1:\d+$/m);
    expect(run.stdout).toMatch(/^ {4}database: "(SQLite|PostgreSQL) /m);
    expect(run.stdout).toMatch(/^\[[\d:.]+\] WARN: JWT_SECRET is unset: /m);
    expect(run.stdout).toMatch(new RegExp(`^\\[[\\d:.]+\\] INFO: GET /v1/public/signup/plans/nowhere 404 \\d+\\.\\d ms \\[${requestId}\\]$`, 'm'));
    expect(run.stdout).not.toContain('\u001b['); // not a terminal: no colours
  }, 60_000);

  it('a Redis that does not answer at start: one warning with its code, the summary says so, /readyz is degraded', async () => {
    let ready: unknown;
    const run = await serve({ ...dbEnv, NODE_ENV: 'development', LOG_LEVEL: 'info', JWT_SECRET: 'a-real-secret-a-real-secret-a-real-secret-42', REDIS_URL: 'redis://127.0.0.1:1' }, async (url) => {
      const res = await fetch(`${url}/readyz`);
      expect(res.status).toBe(200);
      ready = await res.json();
    });
    expect(run.code).toBe(0);
    const lines = jsonLines(run.stdout);
    const outage = lines.filter((l) => l.msg.startsWith('REDIS_URL'));
    expect(outage).toHaveLength(1);
    expect(outage[0]).toMatchObject({ level: 40, msg: 'REDIS_URL: cannot reach redis://127.0.0.1:1 (ECONNREFUSED): rate limits are enforced per process until it answers', err: { code: 'ECONNREFUSED' } });
    expect(lines.find((l) => l.msg.startsWith('HydraCore gateway listening on'))).toMatchObject({ redis: 'redis://127.0.0.1:1 unreachable: rate limits are counted in this process until it answers' });
    expect(ready).toEqual({ status: 'degraded', degraded: { redis: 'unreachable: rate limits are enforced per process until it answers' } });
  }, 60_000);

  describe('a setting that cannot work stops the start with one line naming it, no stack', () => {
    const expectOneLine = (run: Run, line: string | RegExp) => {
      expect(run.code).toBe(1);
      expect(run.stdout).toBe('');
      expect(run.stderr.endsWith('\n')).toBe(true);
      expect(run.stderr.trimEnd().split('\n')).toHaveLength(1);
      if (typeof line === 'string') expect(run.stderr).toBe(`${line}\n`);
      else expect(run.stderr).toMatch(line);
    };

    it('an unreachable PostgreSQL: DATABASE_URL, the URL without its password, the cause', () => {
      expectOneLine(refuse({ DATABASE_URL: 'postgres://postgres:hunter2@127.0.0.1:1/x' }), 'DATABASE_URL: cannot connect to postgres://postgres:***@127.0.0.1:1/x (ECONNREFUSED)');
      expectOneLine(refuse({ DATABASE_URL: 'postgres://postgres@127.0.0.1:1/x' }), 'DATABASE_URL: cannot connect to postgres://postgres@127.0.0.1:1/x (ECONNREFUSED)');
    });

    it('a JWT key file that cannot be read, is not a key, or is the wrong kind', () => {
      const missing = path.join(dir, 'missing.pem');
      expectOneLine(refuse({ JWT_ALGORITHM: 'EdDSA', JWT_PRIVATE_KEY_FILE: missing }), `JWT_PRIVATE_KEY_FILE: cannot read ${missing} (ENOENT)`);
      const garbage = path.join(dir, 'garbage.pem');
      fs.writeFileSync(garbage, 'not a key\n');
      expectOneLine(refuse({ JWT_ALGORITHM: 'EdDSA', JWT_PRIVATE_KEY_FILE: garbage }), new RegExp(`^JWT_PRIVATE_KEY_FILE: ${garbage} is not a PEM private key \\(.+\\)\\n$`));
      const ec = path.join(dir, 'ec.pem');
      fs.writeFileSync(ec, generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }));
      expectOneLine(refuse({ JWT_ALGORITHM: 'EdDSA', JWT_PRIVATE_KEY_FILE: ec }), `JWT_PRIVATE_KEY_FILE: ${ec} holds a key of type ec, but JWT_ALGORITHM=EdDSA needs ed25519`);
      expectOneLine(
        refuse({ JWT_ALGORITHM: 'ES256', JWT_PRIVATE_KEY_FILE: ec, JWT_PREVIOUS_PUBLIC_KEY_FILES: missing }),
        `JWT_PREVIOUS_PUBLIC_KEY_FILES: cannot read ${missing} (ENOENT)`,
      );
    });

    it('a sqlite: path in a directory that does not exist (and the directory is not made)', () => {
      const absent = path.join(dir, 'no-such-dir');
      expectOneLine(refuse({ DATABASE_URL: `sqlite:${absent}/hydracore.sqlite` }), `DATABASE_URL: directory ${absent} does not exist (sqlite:${absent}/hydracore.sqlite); create it or correct the path`);
      expect(fs.existsSync(absent)).toBe(false);
    });
  });

  it("the embedded default still makes its own data/ directory (the README's first command on a fresh clone)", async () => {
    const fresh = fs.mkdtempSync(path.join(dir, 'clone-'));
    const run = await serve({ NODE_ENV: 'development', LOG_LEVEL: 'info' }, async () => undefined, fresh);
    expect(run.code).toBe(0);
    expect(fs.existsSync(path.join(fresh, 'data', 'hydracore.sqlite'))).toBe(true);
    expect(jsonLines(run.stdout).find((l) => l.msg.startsWith('HydraCore gateway listening on'))).toMatchObject({ database: `SQLite ${path.join(fresh, 'data', 'hydracore.sqlite')}` });
  }, 60_000);
});
