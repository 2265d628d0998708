import { CREATE_API_KEY } from '../../../src/cli/operations';
import { startTestApp, type TestApp } from '../../helpers/app';
import { bearer, decodeJwt, graphql, lastCodeFor, PASSWORD, post, registerOperator, type Pair } from '../../helpers/auth';
import { activeCustomer, seedShop, type CustomerTokensBody } from '../../helpers/customers';
import { engine } from '../../helpers/db';
import { asPlatform } from '../../helpers/seed';

/** Issue 18, item 1: a person sees where they are signed in and ends any of those sessions. */
const MY_SESSIONS = '{ mySessions { id current createdAt lastUsedAt userAgent ipAddress } }';
const PORTAL_SESSIONS = '{ portalSessions { id current createdAt lastUsedAt userAgent ipAddress } }';
const REVOKE = 'mutation($id: ID!) { revokeSession(id: $id) }';
const REVOKE_OTHERS = 'mutation { revokeOtherSessions }';
const REVOKE_PORTAL = 'mutation($id: ID!) { revokePortalSession(id: $id) }';
const REVOKE_OTHER_PORTAL = 'mutation { revokeOtherPortalSessions }';
const UNAUTHORIZED = '{"detail":"Could not validate credentials"}';

interface SessionView {
  id: string;
  current: boolean;
  createdAt: string;
  lastUsedAt: string;
  userAgent: string | null;
  ipAddress: string | null;
}

const sid = (accessToken: string) => String(decodeJwt(accessToken).sid);

describe(`sessions per device (${engine})`, () => {
  let t: TestApp;
  beforeAll(async () => {
    // Customers sign in again and again below: their per-IP mail budget is not what is tested.
    t = await startTestApp({ MAIL_REQUESTS_PER_IP: '1000000' });
    await seedShop(t, 'shop');
    await seedShop(t, 'other-shop');
  });
  afterAll(() => t.close());

  const login = async (email: string, userAgent: string): Promise<Pair> => {
    const res = await post(t, '/auth/login', { email, password: PASSWORD }, { 'user-agent': userAgent });
    if (res.statusCode !== 200) throw new Error(`login failed: ${res.statusCode} ${res.body}`);
    return res.json();
  };
  const as = (token: string, query: string, variables: Record<string, unknown> = {}) => graphql(t, query, variables, bearer(token));
  const sessionsOf = async (token: string, query = MY_SESSIONS): Promise<SessionView[]> => {
    const res = await as(token, query);
    if (res.errors) throw new Error(JSON.stringify(res.errors));
    return Object.values(res.data ?? {})[0] as SessionView[];
  };
  const restMe = (token: string) => t.app.inject({ method: 'GET', url: '/auth/me', headers: bearer(token) });
  const portalPin = (token: string) => t.app.inject({ method: 'GET', url: '/v1/me/pin', headers: bearer(token) });
  /** Last use is written in batches: the test app writes them when told (src/db/last-use.ts). */
  const lastUseFlush = () => t.app.services.hot.lastUse.flush();
  const auditOf = (sessionId: string) => t.db('audit_events').where({ action: 'session.revoked', target_id: sessionId }).select('tenant_id', 'actor_kind', 'actor_id', 'target_kind', 'details');
  const details = (raw: unknown) => (typeof raw === 'string' ? JSON.parse(raw) : raw);
  const userIdOf = async (email: string) => (await t.db('users').where({ email_lower: email }).first('id')).id as string;

  /** A customer of `tenant` signing in once more with a mailed code, from this device. */
  const customerSignIn = async (tenant: string, email: string, userAgent: string): Promise<CustomerTokensBody> => {
    t.clock.advance(61_000); // one new code per address per minute
    await post(t, '/v1/customer-auth/login', { email, tenant_slug: tenant });
    const res = await post(t, '/v1/customer-auth/verify', { code: await lastCodeFor(t, email), email, tenant_slug: tenant }, { 'user-agent': userAgent });
    if (res.statusCode !== 200) throw new Error(`customer sign-in failed: ${res.statusCode} ${res.body}`);
    return res.json();
  };

  it('lists the live sessions of an operator, newest first, with device, IP and the current one marked', async () => {
    const laptop = (await post(t, '/auth/register', { email: 'list@example.com', password: PASSWORD }, { 'user-agent': 'Firefox/140.0 (laptop)' })).json() as Pair;
    const laptopStarted = t.clock.now().toISOString();
    t.clock.advance(1000);
    const phone = await login('list@example.com', 'Safari/18 (phone)');
    t.clock.advance(1000);
    const closed = await login('list@example.com', 'curl/8');
    expect((await post(t, '/auth/logout', { refresh_token: closed.refresh_token })).statusCode).toBe(204);
    await registerOperator(t, 'someone-else@example.com');

    const listed = await sessionsOf(phone.access_token);
    expect(listed).toEqual([
      { id: sid(phone.access_token), current: true, createdAt: expect.any(String), lastUsedAt: expect.any(String), userAgent: 'Safari/18 (phone)', ipAddress: '127.0.0.1' },
      { id: sid(laptop.access_token), current: false, createdAt: laptopStarted, lastUsedAt: laptopStarted, userAgent: 'Firefox/140.0 (laptop)', ipAddress: '127.0.0.1' },
    ]);
    // The same list from the other device, which is now the current one.
    expect((await sessionsOf(laptop.access_token)).map((s) => [s.id, s.current])).toEqual([
      [sid(phone.access_token), false],
      [sid(laptop.access_token), true],
    ]);
  });

  it('a session signed in without a User-Agent lists none', async () => {
    const res = await post(t, '/auth/register', { email: 'no-agent@example.com', password: PASSWORD }, { 'user-agent': '' });
    const listed = await sessionsOf(res.json().access_token);
    expect(listed).toEqual([expect.objectContaining({ current: true, userAgent: null, ipAddress: '127.0.0.1' })]);
  });

  it('lastUsedAt follows requests and refreshes: the latest use, written in batches', async () => {
    const pair = (await post(t, '/auth/register', { email: 'last-use@example.com', password: PASSWORD })).json() as Pair;
    const started = t.clock.now();
    const at = (ms: number) => new Date(started.getTime() + ms).toISOString();
    const row = async () => new Date((await t.db('sessions').where({ id: sid(pair.access_token) }).first('last_used_at')).last_used_at).toISOString();
    expect(await row()).toBe(at(0)); // signing in is its first use

    // A request is noted in memory only (the test app writes when told: `flush`, below; a
    // server every LAST_USE_FLUSH_MS), so the list still shows the sign-in...
    t.clock.advance(30_000);
    expect((await restMe(pair.access_token)).statusCode).toBe(200);
    expect((await sessionsOf(pair.access_token))[0].lastUsedAt).toBe(at(0));
    // ...until the batch is written.
    await lastUseFlush();
    expect((await sessionsOf(pair.access_token))[0].lastUsedAt).toBe(at(30_000));

    // Many requests ask nothing of the database through knex (the session check is the hot
    // path's own prepared statement); the batch holds the latest of them.
    const statements: string[] = [];
    const seen = (query: { sql: string }) => statements.push(query.sql);
    t.db.on('query', seen);
    try {
      for (let i = 0; i < 5; i += 1) {
        t.clock.advance(10_000);
        expect((await as(pair.access_token, '{ me { email } }')).data?.me.email).toBe('last-use@example.com');
      }
    } finally {
      t.db.off('query', seen);
    }
    expect(statements).toEqual([]);
    expect(await row()).toBe(at(30_000));
    await lastUseFlush();
    expect(await row()).toBe(at(80_000));

    // A refresh is a use too.
    t.clock.advance(5_000);
    const refreshed = (await post(t, '/auth/refresh', { refresh_token: pair.refresh_token })).json() as Pair;
    expect(sid(refreshed.access_token)).toBe(sid(pair.access_token));
    await lastUseFlush();
    expect(await row()).toBe(at(85_000));

    // A later use written meanwhile (another gateway process) is never moved back.
    await t.db('sessions').where({ id: sid(pair.access_token) }).update({ last_used_at: at(3_600_000) });
    t.clock.advance(5_000);
    expect((await restMe(pair.access_token)).statusCode).toBe(200);
    await lastUseFlush();
    expect(await row()).toBe(at(3_600_000));
  });

  it('a gateway writes last use without being asked, every interval, and when it closes', async () => {
    const timed = await startTestApp({}, undefined, { lastUseFlushMs: 50 });
    const closing = await startTestApp();
    try {
      for (const app of [timed, closing]) {
        const pair = (await post(app, '/auth/register', { email: 'unasked@example.com', password: PASSWORD })).json() as Pair;
        app.clock.advance(45_000);
        expect((await app.app.inject({ method: 'GET', url: '/auth/me', headers: bearer(pair.access_token) })).statusCode).toBe(200);
        const used = app.clock.now().toISOString();
        const row = async () => new Date((await app.db('sessions').where({ id: sid(pair.access_token) }).first('last_used_at')).last_used_at).toISOString();
        if (app === timed) {
          const deadline = Date.now() + 5000;
          while ((await row()) !== used && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
        } else {
          // The shutdown waits for the write (the database is closed after it).
          await app.app.close();
        }
        expect(await row()).toBe(used);
      }
    } finally {
      await timed.close();
      await closing.close();
    }
  });

  it('revoking a session ends its access token at once (REST 401, GraphQL INVALID_TOKEN) and its refresh token', async () => {
    await registerOperator(t, 'revoke@example.com');
    const laptop = await login('revoke@example.com', 'laptop');
    const phone = await login('revoke@example.com', 'phone');
    // Read several times first: what the auth cache keeps must not outlive the revocation.
    for (let i = 0; i < 3; i += 1) expect((await restMe(laptop.access_token)).statusCode).toBe(200);

    expect((await as(phone.access_token, REVOKE, { id: sid(laptop.access_token) })).data).toEqual({ revokeSession: true });

    const me = await restMe(laptop.access_token);
    expect(me.statusCode).toBe(401);
    expect(me.body).toBe(UNAUTHORIZED);
    expect((await as(laptop.access_token, '{ me { email } }')).errors?.[0].extensions.code).toBe('INVALID_TOKEN');
    const refresh = await post(t, '/auth/refresh', { refresh_token: laptop.refresh_token });
    expect(refresh.statusCode).toBe(401);
    expect((await sessionsOf(phone.access_token)).map((s) => s.id)).not.toContain(sid(laptop.access_token));
    // Already revoked: nothing more to end.
    expect((await as(phone.access_token, REVOKE, { id: sid(laptop.access_token) })).data).toEqual({ revokeSession: false });

    expect(await auditOf(sid(laptop.access_token))).toEqual([
      { tenant_id: null, actor_kind: 'user', actor_id: await userIdOf('revoke@example.com'), target_kind: 'session', details: expect.anything() },
    ]);
    expect(details((await auditOf(sid(laptop.access_token)))[0].details)).toEqual({ reason: 'user', current: false });
  });

  it('revoking the current session signs the caller out', async () => {
    const pair = await registerOperator(t, 'self@example.com');
    expect((await as(pair.access_token, REVOKE, { id: sid(pair.access_token) })).data).toEqual({ revokeSession: true });
    expect((await restMe(pair.access_token)).statusCode).toBe(401);
    expect((await post(t, '/auth/refresh', { refresh_token: pair.refresh_token })).statusCode).toBe(401);
    expect(details((await auditOf(sid(pair.access_token)))[0].details)).toEqual({ reason: 'user', current: true });
  });

  it('revokeOtherSessions ends every other live session of the caller, keeps the current one, and counts', async () => {
    await registerOperator(t, 'others@example.com');
    const a = await login('others@example.com', 'a');
    const b = await login('others@example.com', 'b');
    const loggedOut = await login('others@example.com', 'gone');
    await post(t, '/auth/logout', { refresh_token: loggedOut.refresh_token });
    const current = await login('others@example.com', 'current');
    const stranger = await registerOperator(t, 'bystander@example.com');

    // The registration's session, a and b: the one already logged out is not counted again.
    expect((await as(current.access_token, REVOKE_OTHERS)).data).toEqual({ revokeOtherSessions: 3 });
    expect(await sessionsOf(current.access_token)).toEqual([expect.objectContaining({ id: sid(current.access_token), current: true, userAgent: 'current' })]);
    for (const gone of [a, b]) {
      expect((await restMe(gone.access_token)).statusCode).toBe(401);
      expect((await post(t, '/auth/refresh', { refresh_token: gone.refresh_token })).statusCode).toBe(401);
      expect((await auditOf(sid(gone.access_token))).map((row) => details(row.details))).toEqual([{ reason: 'others' }]);
    }
    expect((await restMe(current.access_token)).statusCode).toBe(200);
    expect((await restMe(stranger.access_token)).statusCode).toBe(200);
    expect((await as(current.access_token, REVOKE_OTHERS)).data).toEqual({ revokeOtherSessions: 0 });
  });

  it('parallel revokeOtherSessions end each session once (one audit event each)', async () => {
    await registerOperator(t, 'parallel@example.com');
    for (let i = 0; i < 4; i += 1) await login('parallel@example.com', `device ${i}`);
    const current = await login('parallel@example.com', 'current');
    const counts = await Promise.all(Array.from({ length: 4 }, () => as(current.access_token, REVOKE_OTHERS)));
    expect(counts.reduce((sum, res) => sum + (res.data?.revokeOtherSessions as number), 0)).toBe(5);
    const userId = await userIdOf('parallel@example.com');
    const [{ n }] = await t.db('audit_events').where({ action: 'session.revoked', actor_id: userId }).count({ n: '*' });
    expect(Number(n)).toBe(5);

    // One session ended from several requests at once: one of them ended it.
    const target = await login('parallel@example.com', 'target');
    const answers = await Promise.all(Array.from({ length: 4 }, () => as(current.access_token, REVOKE, { id: sid(target.access_token) })));
    expect(answers.map((res) => res.data?.revokeSession).sort()).toEqual([false, false, false, true]);
    expect(await auditOf(sid(target.access_token))).toHaveLength(1);
  });

  it("another person's session, a customer's, an unknown id: all false and nothing changes; a malformed id is BAD_USER_INPUT", async () => {
    const victim = await registerOperator(t, 'victim@example.com');
    const customer = await activeCustomer(t, 'shop', 'victim-customer@example.com');
    const attacker = await registerOperator(t, 'attacker@example.com');
    const before = Number((await t.db('audit_events').where({ action: 'session.revoked' }).count({ n: '*' }))[0].n);

    for (const id of [sid(victim.access_token), sid(customer.access_token), '00000000-0000-4000-8000-000000000000']) {
      expect(await as(attacker.access_token, REVOKE, { id })).toEqual({ data: { revokeSession: false } });
    }
    // An id in another spelling is the same id: still someone else's.
    expect((await as(attacker.access_token, REVOKE, { id: sid(victim.access_token).toUpperCase() })).data).toEqual({ revokeSession: false });
    const malformed = await as(attacker.access_token, REVOKE, { id: 'not-a-session' });
    expect(malformed.errors?.[0].extensions.code).toBe('BAD_USER_INPUT');

    expect((await restMe(victim.access_token)).statusCode).toBe(200);
    expect((await portalPin(customer.access_token)).statusCode).toBe(200);
    expect((await post(t, '/auth/refresh', { refresh_token: victim.refresh_token })).statusCode).toBe(200);
    const after = Number((await t.db('audit_events').where({ action: 'session.revoked' }).count({ n: '*' }))[0].n);
    expect(after).toBe(before);
  });

  it("aliases may revoke several of one's own sessions in one document, never someone else's", async () => {
    await registerOperator(t, 'aliases@example.com');
    const one = await login('aliases@example.com', 'one');
    const two = await login('aliases@example.com', 'two');
    const current = await login('aliases@example.com', 'current');
    const victim = await registerOperator(t, 'alias-victim@example.com');
    const res = await as(current.access_token, 'mutation($a: ID!, $b: ID!, $c: ID!) { a: revokeSession(id: $a) b: revokeSession(id: $b) c: revokeSession(id: $c) d: revokeSession(id: $a) }', {
      a: sid(one.access_token),
      b: sid(victim.access_token),
      c: sid(two.access_token),
    });
    expect(res).toEqual({ data: { a: true, b: false, c: true, d: false } });
    expect((await restMe(one.access_token)).statusCode).toBe(401);
    expect((await restMe(two.access_token)).statusCode).toBe(401);
    expect((await restMe(victim.access_token)).statusCode).toBe(200);

    const again = await login('aliases@example.com', 'again');
    expect(await as(current.access_token, 'mutation { x: revokeOtherSessions y: revokeOtherSessions }')).toEqual({ data: { x: 2, y: 0 } });
    expect((await restMe(again.access_token)).statusCode).toBe(401);
    expect((await restMe(victim.access_token)).statusCode).toBe(200);
  });

  it('customers list and revoke their own portal sessions; their revocations are audited under their tenant', async () => {
    const first = await activeCustomer(t, 'shop', 'portal@example.com');
    const second = await customerSignIn('shop', 'portal@example.com', 'Chrome (tablet)');
    const third = await customerSignIn('shop', 'portal@example.com', 'Chrome (desktop)');
    const elsewhere = await activeCustomer(t, 'other-shop', 'portal@example.com');
    const neighbour = await activeCustomer(t, 'shop', 'neighbour@example.com');

    const listed = await sessionsOf(third.access_token, PORTAL_SESSIONS);
    expect(listed.map((s) => [s.id, s.current, s.userAgent, s.ipAddress])).toEqual([
      [sid(third.access_token), true, 'Chrome (desktop)', '127.0.0.1'],
      [sid(second.access_token), false, 'Chrome (tablet)', '127.0.0.1'],
      [sid(first.access_token), false, 'lightMyRequest', '127.0.0.1'], // the test client's own
    ]);

    // Another customer's session, in this tenant or the same address in another: false.
    for (const other of [elsewhere, neighbour]) expect((await as(third.access_token, REVOKE_PORTAL, { id: sid(other.access_token) })).data).toEqual({ revokePortalSession: false });
    expect((await portalPin(elsewhere.access_token)).statusCode).toBe(200);

    expect((await as(third.access_token, REVOKE_PORTAL, { id: sid(second.access_token) })).data).toEqual({ revokePortalSession: true });
    const pin = await portalPin(second.access_token);
    expect(pin.statusCode).toBe(401);
    expect(pin.body).toBe(UNAUTHORIZED);
    expect((await as(second.access_token, '{ portalMe { email } }')).errors?.[0].extensions.code).toBe('INVALID_TOKEN');
    expect((await post(t, '/v1/customer-auth/refresh', { refresh_token: second.refresh_token })).statusCode).toBe(401);

    expect((await as(third.access_token, REVOKE_OTHER_PORTAL)).data).toEqual({ revokeOtherPortalSessions: 1 });
    expect((await portalPin(first.access_token)).statusCode).toBe(401);
    expect((await portalPin(third.access_token)).statusCode).toBe(200);
    expect((await portalPin(neighbour.access_token)).statusCode).toBe(200);

    const tenant = await t.db('tenants').where({ slug: 'shop' }).first('id');
    for (const [session, reason] of [
      [second, 'user'],
      [first, 'others'],
    ] as const) {
      const rows = await auditOf(sid(session.access_token));
      expect(rows).toEqual([{ tenant_id: tenant.id, actor_kind: 'customer', actor_id: third.customer_id, target_kind: 'session', details: expect.anything() }]);
      expect(details(rows[0].details).reason).toBe(reason);
    }
  });

  it("an operator cannot reach customers' sessions, nor a customer an operator's", async () => {
    const operator = await registerOperator(t, 'crossing@example.com');
    const customer = await activeCustomer(t, 'shop', 'crossing@example.com');
    expect((await as(customer.access_token, REVOKE_PORTAL, { id: sid(operator.access_token) })).data).toEqual({ revokePortalSession: false });
    expect((await restMe(operator.access_token)).statusCode).toBe(200);
    for (const query of [MY_SESSIONS, REVOKE_OTHERS]) expect((await as(customer.access_token, query)).errors?.[0].extensions.code).toBe('OPERATOR_TOKEN_REQUIRED');
    expect((await as(customer.access_token, REVOKE, { id: sid(operator.access_token) })).errors?.[0].extensions.code).toBe('OPERATOR_TOKEN_REQUIRED');
    for (const query of [PORTAL_SESSIONS, REVOKE_OTHER_PORTAL]) expect((await as(operator.access_token, query)).errors?.[0].extensions.code).toBe('CUSTOMER_TOKEN_REQUIRED');
    expect((await as(operator.access_token, REVOKE_PORTAL, { id: sid(customer.access_token) })).errors?.[0].extensions.code).toBe('CUSTOMER_TOKEN_REQUIRED');
    expect((await portalPin(customer.access_token)).statusCode).toBe(200);
  });

  it('API keys have no sessions: every one of these operations refuses them; without credentials, NOT_AUTHENTICATED', async () => {
    const { key } = (await asPlatform<{ createApiKey: { key: string } }>(t, CREATE_API_KEY, { input: { tenantSlug: 'shop', name: 'sessions' } })).createApiKey;
    const customer = await activeCustomer(t, 'shop', 'keyed@example.com');
    const id = sid(customer.access_token);
    const operations: Array<[string, Record<string, unknown>]> = [
      [MY_SESSIONS, {}],
      [REVOKE, { id }],
      [REVOKE_OTHERS, {}],
      [PORTAL_SESSIONS, {}],
      [REVOKE_PORTAL, { id }],
      [REVOKE_OTHER_PORTAL, {}],
    ];
    for (const [query, variables] of operations) {
      const res = await graphql(t, query, variables, { 'x-api-key': key });
      expect(res.errors?.[0].extensions.code).toBe('PERSON_TOKEN_REQUIRED');
      expect((await graphql(t, query, variables)).errors?.[0].extensions.code).toBe('NOT_AUTHENTICATED');
    }
    expect((await portalPin(customer.access_token)).statusCode).toBe(200);
  });

  it('a session whose refresh token expired is no longer listed nor counted', async () => {
    await registerOperator(t, 'expiry@example.com');
    t.clock.advance(t.config.auth.operatorRefreshTtlSeconds * 1000 + 1000);
    const fresh = await login('expiry@example.com', 'fresh');
    expect((await sessionsOf(fresh.access_token)).map((s) => s.userAgent)).toEqual(['fresh']);
    expect((await as(fresh.access_token, REVOKE_OTHERS)).data).toEqual({ revokeOtherSessions: 0 });
  });
});
