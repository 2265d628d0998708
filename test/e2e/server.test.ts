import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { freePort } from '../helpers/net';
import { createTestDatabase, engine, type TestDatabase } from '../helpers/db';

/**
 * The README's flow on the built server (`npm test` builds dist/ first): seed the demo
 * with the `hydracore` bin, start `main.js`, list the demo plans over HTTP, then stop it
 * with SIGTERM and expect a clean exit.
 */
const root = path.resolve(__dirname, '..', '..');
const mainJs = path.join(root, 'dist', 'src', 'main.js');
const cliJs = path.join(root, 'dist', 'src', 'cli', 'main.js');
const built = fs.existsSync(mainJs) && fs.existsSync(cliJs);


async function waitForHttp(url: string, child: ChildProcess): Promise<void> {
  for (let i = 0; i < 100; i += 1) {
    if (child.exitCode !== null) throw new Error(`server exited early with ${child.exitCode}`);
    try {
      await fetch(url);
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  throw new Error(`server did not answer at ${url}`);
}

(built ? describe : describe.skip)(`built server and CLI (${engine})`, () => {
  let database: TestDatabase;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    database = await createTestDatabase();
    const db = database.config;
    env = {
      ...process.env,
      NODE_ENV: 'development',
      LOG_LEVEL: 'warn',
      DATABASE_URL: db.client === 'sqlite' ? `sqlite:${db.connection}` : db.connection,
      ...(db.schema ? { DATABASE_SCHEMA: db.schema } : {}),
    };
  });
  afterAll(() => database.drop());

  it('seeds the demo, serves its plans, and shuts down gracefully on SIGTERM', async () => {
    // Only `hydracore migrate` migrates (the server does too, on start): a new database first.
    const migrated = spawnSync(process.execPath, [cliJs, 'migrate'], { env, encoding: 'utf8' });
    expect([migrated.status, migrated.stderr]).toEqual([0, '']);
    const seeded = spawnSync(process.execPath, [cliJs, 'demo'], { env, encoding: 'utf8' });
    expect(seeded.stderr).toBe('');
    expect(seeded.status).toBe(0);

    const port = await freePort();
    const server = spawn(process.execPath, [mainJs], { env: { ...env, PORT: String(port) }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    server.stderr?.on('data', (chunk) => (stderr += chunk));
    const exited = new Promise<number | null>((resolve) => server.on('exit', (code) => resolve(code)));
    try {
      await waitForHttp(`http://127.0.0.1:${port}/v1/public/signup/plans/demo`, server);
      const res = await fetch(`http://127.0.0.1:${port}/v1/public/signup/plans/demo`);
      expect(res.status).toBe(200);
      expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
      const plans = (await res.json()) as Array<{ name: string; price: string }>;
      expect(plans.map((p) => [p.name, p.price])).toEqual([
        ['starter', '9.99'],
        ['pro', '29.99'],
      ]);
    } finally {
      server.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
    expect(stderr).toBe('');
  }, 60_000);

  it('refuses to start with a bad variable and names it', () => {
    const result = spawnSync(process.execPath, [mainJs], { env: { ...env, PORT: 'eighty' }, encoding: 'utf8' });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('PORT must be a whole number from 1 to 65535 (got "eighty")');
  });
});
