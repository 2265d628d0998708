import { randomBytes } from 'node:crypto';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { createDb, migrateLatest, type Db } from '../../src/db/knex';
import { createTestDatabase, engine, type TestDatabase } from '../helpers/db';
import { freePort } from '../helpers/net';

/**
 * Two gateway processes on one PostgreSQL and one Redis behave as one: a login throttle
 * counted on both, a code issued by one and verified by the other, and a refresh-token reuse
 * detected across them. (Signup placement across two processes: customers/signup-race.)
 */
const redisUrl = process.env.TEST_REDIS_URL;
const mainJs = path.resolve(__dirname, '..', '..', 'dist', 'src', 'main.js');
const runnable = engine === 'postgres' && redisUrl !== undefined && fs.existsSync(mainJs);

(runnable ? describe : describe.skip)('two gateway processes, one PostgreSQL, one Redis', () => {
  let database: TestDatabase;
  let db: Db;
  const processes: ChildProcess[] = [];
  const urls: string[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
    db = createDb(database.config);
    await migrateLatest(db);
    const prefix = `mp-${randomBytes(4).toString('hex')}:`;
    for (let i = 0; i < 2; i += 1) {
      const port = await freePort();
      const child = spawn(process.execPath, [mainJs], {
        env: {
          ...process.env,
          NODE_ENV: 'test',
          LOG_LEVEL: 'error',
          PORT: String(port),
          DATABASE_URL: database.config.connection,
          DATABASE_SCHEMA: database.config.schema ?? '',
          REDIS_URL: redisUrl,
          REDIS_PREFIX: prefix,
          JWT_SECRET: 'multi-process-secret-multi-process-secret',
          ARGON2_MEMORY_KIB: '1024',
          ARGON2_TIME_COST: '1',
          MAIL_POLL_INTERVAL_MS: '3600000',
        },
        stdio: ['ignore', 'ignore', 'inherit'],
      });
      processes.push(child);
      urls.push(`http://127.0.0.1:${port}`);
    }
    for (const url of urls) {
      for (let i = 0; ; i += 1) {
        try {
          if ((await fetch(`${url}/readyz`)).ok) break;
        } catch {
          /* not up yet */
        }
        if (i > 150) throw new Error(`${url} did not become ready`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  }, 60_000);

  afterAll(async () => {
    for (const child of processes) child.kill('SIGTERM');
    await Promise.all(processes.map((child) => new Promise((resolve) => (child.exitCode === null ? child.on('exit', resolve) : resolve(null)))));
    await db.destroy();
    await database.drop();
  });

  const post = async (base: string, url: string, body: unknown) => {
    const res = await fetch(`${base}${url}`, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
    return { status: res.status, json: (await res.json().catch(() => undefined)) as Record<string, unknown> | undefined };
  };

  it('counts login failures for one address across both processes', async () => {
    await post(urls[0], '/auth/register', { email: 'shared@example.com', password: 'correct horse battery staple' });
    for (let i = 0; i < 10; i += 1) {
      expect((await post(urls[i % 2], '/auth/login', { email: 'shared@example.com', password: 'wrong one' })).status).toBe(401);
    }
    expect((await post(urls[0], '/auth/login', { email: 'shared@example.com', password: 'correct horse battery staple' })).status).toBe(429);
    expect((await post(urls[1], '/auth/login', { email: 'shared@example.com', password: 'correct horse battery staple' })).status).toBe(429);
  });

  it('verifies on one process a code issued by the other', async () => {
    expect((await post(urls[0], '/auth/register', { email: 'code@example.com', password: 'correct horse battery staple' })).status).toBe(200);
    const mail = await db('mail_outbox').where({ recipient: 'code@example.com' }).first('text_body');
    const code = (mail.text_body as string).match(/\b(\d{6})\b/)?.[1];
    const verified = await post(urls[1], '/auth/verify-email', { code, email: 'code@example.com' });
    expect(verified.status).toBe(200);
    expect(verified.json?.email_verified).toBe(true);
  });

  it('detects a refresh-token reuse across processes and revokes the session everywhere', async () => {
    const first = (await post(urls[0], '/auth/register', { email: 'reuse@example.com', password: 'correct horse battery staple' })).json as { refresh_token: string };
    const second = (await post(urls[0], '/auth/refresh', { refresh_token: first.refresh_token })).json as { refresh_token: string };
    const third = (await post(urls[1], '/auth/refresh', { refresh_token: second.refresh_token })).json as { refresh_token: string; access_token: string };
    expect((await post(urls[0], '/auth/refresh', { refresh_token: first.refresh_token })).status).toBe(401);
    expect((await post(urls[1], '/auth/refresh', { refresh_token: third.refresh_token })).status).toBe(401);
    const me = await fetch(`${urls[0]}/auth/me`, { headers: { authorization: `Bearer ${third.access_token}` } });
    expect(me.status).toBe(401);
  });
});
