import { Writable } from 'node:stream';
import { CREATE_API_KEY } from '../../src/cli/operations';
import { startTestApp, type TestApp } from '../helpers/app';
import { engine } from '../helpers/db';
import { bearer, lastCodeFor, lastMailTo, post, registerOperator } from '../helpers/auth';
import { activeCustomer, seedShop } from '../helpers/customers';
import { asPlatform } from '../helpers/seed';

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
    expect(res.body).toMatch(/http_requests_total\{route="\/v1\/public\/signup\/plans\/:tenant_slug",method="GET",status="200"\} \d+/);
    expect(res.body).toMatch(/http_request_duration_seconds_bucket\{le="0.005",route="\/v1\/public\/signup\/plans\/:tenant_slug",method="GET"\}/);
    expect(res.body).toMatch(/^argon2_queue_depth 0$/m);
    expect(res.body).toMatch(/^mail_outbox_backlog \d+$/m);
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
