import net from 'node:net';
import { Writable } from 'node:stream';
import { CREATE_API_KEY } from '../../src/cli/operations';
import { startTestApp, type TestApp } from '../helpers/app';
import { engine } from '../helpers/db';
import { bearer, lastCodeFor, lastMailTo, post, registerOperator } from '../helpers/auth';
import { activeCustomer, seedShop } from '../helpers/customers';
import { asPlatform } from '../helpers/seed';
import { freePort } from '../helpers/net';

const redisUrl = process.env.TEST_REDIS_URL;

/** A TCP relay to the test Redis that can be cut and restored: Redis going away, for real, mid-run. */
async function redisRelay(target: URL): Promise<{ url: string; cut(): Promise<void>; restore(): Promise<void>; close(): Promise<void> }> {
  const port = await freePort();
  const sockets = new Set<net.Socket>();
  let server: net.Server | undefined;
  const listen = () =>
    new Promise<void>((resolve) => {
      server = net.createServer((client) => {
        const upstream = net.connect(Number(target.port || 6379), target.hostname);
        for (const socket of [client, upstream]) {
          sockets.add(socket);
          socket.on('close', () => sockets.delete(socket));
          socket.on('error', () => undefined);
        }
        client.pipe(upstream).pipe(client);
      });
      server.listen(port, '127.0.0.1', resolve);
    });
  const cut = async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    server = undefined;
  };
  await listen();
  return { url: `redis://127.0.0.1:${port}`, cut, restore: listen, close: cut };
}

const metricValue = (body: string, name: string): number | undefined => {
  const match = new RegExp(`^${name} (\\S+)$`, 'm').exec(body);
  return match ? Number(match[1]) : undefined;
};

describe(`secrets stay out of the logs; probes, metrics and headers (${engine})`, () => {
  let t: TestApp;
  const log: string[] = [];
  beforeAll(async () => {
    const stream = new Writable({
      write(chunk, _encoding, done) {
        log.push(chunk.toString());
        done();
      },
    });
    t = await startTestApp({ LOG_LEVEL: 'trace' }, stream);
  });
  afterAll(() => t.close());

  it('a full flow leaves no password, PIN, code, token, cookie or key in the captured log', async () => {
    const secrets: string[] = ['correct horse battery staple', 'a brand new passphrase', '8642'];
    await seedShop(t, 'alpha');
    const pair = await registerOperator(t, 'logs@example.com');
    const code = await lastCodeFor(t, 'logs@example.com');
    secrets.push(pair.access_token, pair.refresh_token, code);
    const verified = (await post(t, '/auth/verify-email', { code, email: 'logs@example.com' })).json();
    secrets.push(verified.access_token, verified.refresh_token);
    await t.app.inject({ method: 'GET', url: '/auth/me', headers: { cookie: `access_token=${verified.access_token}; refresh_token=${verified.refresh_token}` } });
    await post(t, '/auth/refresh', { refresh_token: verified.refresh_token });
    await post(t, '/auth/login', { email: 'logs@example.com', password: 'wrong horse battery staple' });
    secrets.push('wrong horse battery staple');
    await t.app.inject({ method: 'POST', url: '/auth/token', headers: { authorization: `Basic ${Buffer.from('logs@example.com:correct horse battery staple').toString('base64')}` } });
    const customer = await activeCustomer(t, 'alpha', 'cust@example.com', 'Cust Co');
    secrets.push(customer.access_token, customer.refresh_token);
    const key = (await asPlatform<{ createApiKey: { key: string } }>(t, CREATE_API_KEY, { input: { tenantSlug: 'alpha' } })).createApiKey.key;
    secrets.push(key);
    await t.app.inject({ method: 'POST', url: `/v1/customers/${customer.customer_id}/pin`, payload: { pin: '8642' }, headers: { 'x-api-key': key } });
    await post(t, '/auth/forgot-password', { email: 'logs@example.com' });
    const link = (await lastMailTo(t, 'logs@example.com'))?.text as string;
    const resetToken = link.match(/token=([\w-]+)/)?.[1] as string;
    secrets.push(resetToken);
    await post(t, '/auth/reset-password', { new_password: 'a brand new passphrase', token: resetToken });
    await post(t, '/auth/logout', {}, bearer(pair.access_token));

    const captured = log.join('');
    expect(captured.length).toBeGreaterThan(1000); // the log really was captured (trace level)
    // Whole-word matches: a 4-digit PIN or a 6-digit code may occur by chance inside a random hex id.
    const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    for (const secret of secrets) expect(captured).not.toMatch(new RegExp(`(?<![0-9A-Za-z])${escape(secret)}(?![0-9A-Za-z])`));
  });

  it('regression: a password or token in a query string was logged with the request URL', async () => {
    const before = log.length;
    const password = 'query-string-passphrase-7731';
    const token = 'query-string-token-5f2c9e';
    const login = `mutation { login(input: { email: "qs@example.com", password: "${password}" }) { tokenType } }`;
    const urls = [
      `/graphql?query=${encodeURIComponent(login)}`,
      `/graphql?query=${encodeURIComponent(login)}&operationName=x`,
      `/auth/me?token=${token}`,
      `/reset-password?token=${token}`,
      `/healthz?token=${token}`,
      `/auth/login?token=${token}`,
      `/auth/me/?token=${token}`,
    ];
    for (const url of urls) {
      await t.app.inject({ method: 'GET', url, headers: { 'apollo-require-preflight': 'true' } });
      await t.app.inject({ method: 'POST', url, payload: '{', headers: { 'content-type': 'application/json' } });
    }
    const captured = log.slice(before).join('');
    expect(captured).toContain('"url":"/graphql"'); // the requests were logged, by path
    expect(captured).toContain('"url":"/auth/me"');
    expect(captured).not.toContain(password);
    expect(captured).not.toContain(token);
    expect(captured).not.toContain(encodeURIComponent(password));
  });

  it('records platform security events: logins, failures, resets, revocations and reuse', async () => {
    const pair = await registerOperator(t, 'events@example.com');
    const rotated = (await post(t, '/auth/refresh', { refresh_token: pair.refresh_token })).json();
    await post(t, '/auth/refresh', { refresh_token: rotated.refresh_token });
    await post(t, '/auth/refresh', { refresh_token: pair.refresh_token }); // reuse of an old token
    const session = (await post(t, '/auth/login', { email: 'events@example.com', password: 'correct horse battery staple' })).json();
    await post(t, '/auth/logout', { refresh_token: session.refresh_token });
    const events = await asPlatform<{ securityEvents: Array<{ action: string; targetKind: string | null }> }>(t, '{ securityEvents(first: 500) { action targetKind } }');
    const actions = new Set(events.securityEvents.map((e) => e.action));
    for (const action of ['login.succeeded', 'login.failed', 'password.reset', 'session.revoked', 'refresh.reuse_detected']) expect(actions).toContain(action);
    expect(events.securityEvents.find((e) => e.action === 'login.failed')?.targetKind).toBe('email');
  });

  it('redacts secrets that a log call is handed inside objects', () => {
    const before = log.length;
    t.app.log.info(
      { input: { password: 'pw-secret-1', pin: '1357', code: '246810', refreshToken: 'rt-secret' }, req: { headers: { authorization: 'Bearer abc.def', cookie: 'access_token=zzz', 'x-api-key': 'hck_x' } } },
      'debugging a request',
    );
    const line = log.slice(before).join('');
    expect(line).toContain('[redacted]');
    for (const secret of ['pw-secret-1', '"1357"', '"246810"', 'rt-secret', 'abc.def', 'access_token=zzz', 'hck_x']) expect(line).not.toContain(secret);
  });

  it('/healthz answers while the process is up; /readyz checks the database and migrations', async () => {
    expect((await t.app.inject({ method: 'GET', url: '/healthz' })).json()).toEqual({ status: 'ok' });
    expect((await t.app.inject({ method: 'GET', url: '/readyz' })).json()).toEqual({ status: 'ready' });
  });

  it('/metrics exposes requests by route and status, latency, the argon2 queue and the outbox backlog', async () => {
    await t.app.inject({ method: 'GET', url: '/v1/public/signup/plans/alpha' });
    const res = await t.app.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.body).toMatch(/^hydracore_http_requests_total\{route="\/v1\/public\/signup\/plans\/:tenant_slug",method="GET",status="200"\} \d+/m);
    expect(res.body).toMatch(/^hydracore_http_request_duration_seconds_bucket\{le="0.005",route="\/v1\/public\/signup\/plans\/:tenant_slug",method="GET"\}/m);
    expect(res.body).toMatch(/^hydracore_argon2_queue_depth 0$/m);
    expect(res.body).toMatch(/^hydracore_mail_outbox_backlog \d+$/m);
  });

  it('every response carries the security headers', async () => {
    for (const url of ['/v1/public/signup/plans/alpha', '/nowhere', '/healthz']) {
      const res = await t.app.inject({ method: 'GET', url });
      expect(res.headers).toMatchObject({
        'x-content-type-options': 'nosniff',
        'x-frame-options': 'DENY',
        'referrer-policy': 'no-referrer',
        'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
        'cache-control': 'no-store',
        'strict-transport-security': 'max-age=31536000; includeSubDomains',
      });
    }
    expect((await t.app.inject({ method: 'GET', url: '/.well-known/jwks.json' })).headers['cache-control']).toBe('public, max-age=300');
  });

  it('/readyz: a configured Redis that is down is `degraded` (200), named, from the start', async () => {
    // Nothing listens on port 1. No limit has been taken yet: the probe itself knows.
    const down = await startTestApp({ REDIS_URL: 'redis://127.0.0.1:1' });
    try {
      const res = await down.app.inject({ method: 'GET', url: '/readyz' });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({ status: 'degraded', degraded: { redis: 'unreachable: rate limits are enforced per process until it answers' } });
      expect(metricValue((await down.app.inject({ method: 'GET', url: '/metrics' })).body, 'hydracore_rate_limit_store_degraded')).toBe(1);
      // Without Redis configured there is nothing to degrade.
      expect((await t.app.inject({ method: 'GET', url: '/readyz' })).json()).toEqual({ status: 'ready' });
      expect(metricValue((await t.app.inject({ method: 'GET', url: '/metrics' })).body, 'hydracore_rate_limit_store_degraded')).toBe(0);
    } finally {
      await down.close();
    }
  });

  (redisUrl ? it : it.skip)('/readyz with a Redis that answers is ready; degraded while it is gone; ready again when it is back', async () => {
    const relay = await redisRelay(new URL(redisUrl as string));
    const up = await startTestApp({ REDIS_URL: relay.url, REDIS_PREFIX: `readyz-${process.pid}:` });
    const readyz = async () => (await up.app.inject({ method: 'GET', url: '/readyz' })).json();
    const until = async (wanted: string) => {
      for (let i = 0; i < 100 && (await readyz()).status !== wanted; i += 1) await new Promise((resolve) => setTimeout(resolve, 50));
      return readyz();
    };
    try {
      expect(await readyz()).toEqual({ status: 'ready' });
      expect(metricValue((await up.app.inject({ method: 'GET', url: '/metrics' })).body, 'hydracore_rate_limit_store_degraded')).toBe(0);
      await relay.cut();
      expect(await until('degraded')).toEqual({ status: 'degraded', degraded: { redis: 'unreachable: rate limits are enforced per process until it answers' } });
      await relay.restore();
      // Back once the client has reconnected and a limit has been counted in Redis again.
      let back: unknown;
      for (let i = 0; i < 100; i += 1) {
        await up.app.inject({ method: 'GET', url: '/v1/public/signup/plans/nowhere' });
        back = await readyz();
        if ((back as { status: string }).status === 'ready') break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(back).toEqual({ status: 'ready' });
    } finally {
      await up.close();
      await relay.close();
    }
  }, 30_000);

  it('/readyz answers 503 when the database is gone', async () => {
    const other = await startTestApp();
    await other.db.destroy();
    try {
      const res = await other.app.inject({ method: 'GET', url: '/readyz' });
      expect(res.statusCode).toBe(503);
      expect(res.json()).toEqual({ status: 'not ready', reason: 'database unavailable' });
    } finally {
      await other.app.close();
    }
  });

  it('regression: /readyz listed migrations on every call; once they are applied it only pings', async () => {
    const other = await startTestApp();
    const queries: string[] = [];
    other.db.on('query', (query: { sql: string }) => queries.push(query.sql));
    const readyz = async () => {
      queries.length = 0;
      const res = await other.app.inject({ method: 'GET', url: '/readyz' });
      return { status: res.statusCode, body: res.json(), queries: [...queries] };
    };
    try {
      // Until the migrations have been seen applied, every call checks them again.
      const latest = await other.db('knex_migrations').orderBy('id', 'desc').first();
      await other.db('knex_migrations').where({ id: latest.id }).delete();
      const pending = await readyz();
      expect(pending).toMatchObject({ status: 503, body: { status: 'not ready', reason: 'migrations pending' } });
      expect(pending.queries.some((sql) => sql.includes('knex_migrations'))).toBe(true);
      await other.db('knex_migrations').insert(latest);

      const first = await readyz();
      expect(first).toMatchObject({ status: 200, body: { status: 'ready' } });
      expect(first.queries.some((sql) => sql.includes('knex_migrations'))).toBe(true);
      for (let i = 0; i < 3; i += 1) {
        const again = await readyz();
        expect(again).toMatchObject({ status: 200, body: { status: 'ready' } });
        expect(again.queries).toEqual(['select 1']); // the ping only
      }
      // Concurrent calls share one ping.
      queries.length = 0;
      const parallel = await Promise.all(Array.from({ length: 10 }, () => other.app.inject({ method: 'GET', url: '/readyz' })));
      expect(parallel.every((res) => res.statusCode === 200)).toBe(true);
      expect(queries.length).toBeLessThan(10);

      // The cached check does not hide a database that went away.
      await other.db.destroy();
      const down = await readyz();
      expect(down).toMatchObject({ status: 503, body: { status: 'not ready', reason: 'database unavailable' } });
    } finally {
      await other.close();
    }
  });
});
