import { randomBytes } from 'node:crypto';
import { createDb, migrateLatest, type Db } from '../../src/db/knex';
import { createTestDatabase, engine, type TestDatabase } from '../helpers/db';
import { builtServerExists, spawnGateway, type Gateway } from '../helpers/gateway';

/**
 * Two gateway processes on one PostgreSQL and one Redis behave as one: a login throttle
 * counted on both, a code issued by one and verified by the other, and a refresh-token reuse
 * detected across them. (Signup placement across two processes: customers/signup-race.)
 */
const redisUrl = process.env.TEST_REDIS_URL;
const runnable = engine === 'postgres' && redisUrl !== undefined && builtServerExists();

(runnable ? describe : describe.skip)('two gateway processes, one PostgreSQL, one Redis', () => {
  let database: TestDatabase;
  let db: Db;
  const gateways: Gateway[] = [];
  const urls: string[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
    db = createDb(database.config);
    await migrateLatest(db);
    const prefix = `mp-${randomBytes(4).toString('hex')}:`;
    for (let i = 0; i < 2; i += 1) gateways.push(await spawnGateway(database.config, { REDIS_URL: redisUrl as string, REDIS_PREFIX: prefix }));
    urls.push(...gateways.map((gateway) => gateway.url));
  }, 60_000);

  afterAll(async () => {
    await Promise.all(gateways.map((gateway) => gateway.stop()));
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

  it('40 parallel wrong passwords split over both processes check at most 10 (reserved in Redis before argon2)', async () => {
    await post(urls[1], '/auth/register', { email: 'parallel@example.com', password: 'correct horse battery staple' });
    const before = Number((await db('audit_events').where({ action: 'login.failed' }).count({ n: '*' }))[0].n);
    const results = await Promise.all(Array.from({ length: 40 }, (_, i) => post(urls[i % 2], '/auth/login', { email: 'parallel@example.com', password: `guess ${i}` })));
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 401)).toHaveLength(10);
    expect(statuses.filter((s) => s === 429)).toHaveLength(30);
    const after = Number((await db('audit_events').where({ action: 'login.failed' }).count({ n: '*' }))[0].n);
    expect(after - before).toBe(10);
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
