import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { promisify } from 'node:util';
import { createDb, migrateLatest, type Db } from '../../src/db/knex';
import { startTestApp, type TestApp } from '../helpers/app';
import { bearer, decodeJwt, PASSWORD, post, registerOperator } from '../helpers/auth';
import { createTestDatabase, engine, type TestDatabase } from '../helpers/db';
import { builtServerExists, processEnv, spawnGateway, type Gateway } from '../helpers/gateway';

/**
 * The hot path keeps sessions, API keys, PIN policies and memberships in memory
 * (src/db/hot-path.ts) and is only as good as its invalidation. These tests change what it
 * keeps behind its back (another gateway process, the database directly, while PostgreSQL's
 * change feed is down), race a logout against it, and move the clock past a kept token's
 * expiry. A change must be seen by the very next request on SQLite (which reads `PRAGMA
 * data_version`), and on PostgreSQL within a notification's trip: observed 2-52 ms; the bound is
 * 1 s so that a loaded CI machine does not fail it, and it still proves the notification path
 * (a cache that missed the change would answer stale for as long as the process lives).
 */
const SEEN_WITHIN_MS = 1000;
const CLI_JS = path.resolve(__dirname, '..', '..', 'dist', 'src', 'cli', 'main.js');
const LIMITS_RAISED = { RATE_LIMIT_PER_IP: '1000000', REGISTRATIONS_PER_IP: '1000000', LOGIN_FAILURES_PER_IP: '1000000' };

interface Answer {
  status: number;
  body: any;
}

async function send(base: string, method: string, url: string, headers: Record<string, string> = {}, body?: unknown): Promise<Answer> {
  const res = await fetch(`${base}${url}`, {
    method,
    headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text === '' ? undefined : JSON.parse(text) };
}

/** Asks every 2 ms until the answer satisfies `seen` (or `limitMs` passed: Infinity): how long it took, and how many asks. */
async function until<T>(ask: () => Promise<T>, seen: (answer: T) => boolean, limitMs = 3000): Promise<{ ms: number; asks: number }> {
  const start = performance.now();
  for (let asks = 1; ; asks += 1) {
    if (seen(await ask())) return { ms: performance.now() - start, asks };
    if (performance.now() - start > limitMs) return { ms: Infinity, asks };
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

/** The change is seen in time: at once on SQLite, within a notification's trip on PostgreSQL. */
async function expectSeen<T>(ask: () => Promise<T>, seen: (answer: T) => boolean): Promise<void> {
  const { ms, asks } = await until(ask, seen);
  expect(ms).toBeLessThanOrEqual(SEEN_WITHIN_MS);
  if (engine === 'sqlite') expect(asks).toBe(1);
}

const sessionOf = (accessToken: string) => String(decodeJwt(accessToken).sid);

/**
 * PostgreSQL: the backends LISTENing for a process, found by the `application_name` it was
 * given (PGAPPNAME). A process connects its listener on its first session check, and caches
 * nothing before: tests wait for it, or they would pass without any cache to defeat.
 */
const listenerPids = async (db: Db, applicationName: string): Promise<number[]> =>
  (await db.raw("select pid from pg_stat_activity where application_name = ? and query ilike 'listen%'", [applicationName])).rows.map((r: { pid: number }) => r.pid);

async function untilListening(db: Db, applicationName: string, sessionCheck: () => Promise<unknown>, limitMs = 10_000): Promise<void> {
  if (engine !== 'postgres') return;
  const listenersAfterCheck = async () => {
    await sessionCheck();
    return listenerPids(db, applicationName);
  };
  expect((await until(listenersAfterCheck, (pids) => pids.length > 0, limitMs)).ms).toBeLessThan(Infinity);
}

const applicationName = (role: string) => `auth-cache-${role}-${randomBytes(4).toString('hex')}`;

(builtServerExists() ? describe : describe.skip)(`auth cache: two gateway processes on one database (${engine})`, () => {
  let database: TestDatabase;
  let db: Db;
  let a: Gateway;
  let b: Gateway;
  let admin: Record<string, string>;
  let instanceId: string;
  const nameOfB = applicationName('b');

  /** The `hydracore` CLI: one more process writing to the database. */
  const hydracore = async (...args: string[]) => {
    const { config } = database;
    const env = processEnv(config, { LOG_LEVEL: 'silent' });
    // The admin's password goes in on stdin (`--password-stdin`): the CLI refuses it as an argument.
    const running = promisify(execFile)(process.execPath, [CLI_JS, ...args, '--json'], { env });
    running.child.stdin?.end(`${PASSWORD}\n`);
    return JSON.parse((await running).stdout);
  };
  const register = async (email: string) => (await send(a.url, 'POST', '/auth/register', {}, { email, password: PASSWORD })).body as { access_token: string; refresh_token: string };
  const me = (gateway: Gateway, token: string) => send(gateway.url, 'GET', '/auth/me', bearer(token));
  const onA = async (query: string, variables: Record<string, unknown> = {}) => {
    const res = await send(a.url, 'POST', '/graphql', admin, { query, variables });
    if (res.body.errors) throw new Error(JSON.stringify(res.body.errors));
    return res.body.data;
  };
  const warm = async (ask: () => Promise<Answer>) => {
    for (let i = 0; i < 5; i += 1) expect((await ask()).status).toBe(200);
  };

  beforeAll(async () => {
    database = await createTestDatabase();
    db = createDb(database.config);
    await migrateLatest(db);
    await hydracore('admin', 'create', '--email', 'root@example.com', '--password-stdin');
    await hydracore('tenant', 'create', '--slug', 'alpha', '--name', 'Alpha Hosting');
    await hydracore('node', 'add', '--hostname', 'n1.alpha.example.com', '--base-domain', 'sites.alpha.example.com', '--capacity', '10', '--tenant', 'alpha');
    instanceId = (await hydracore('instance', 'create', '--tenant', 'alpha', '--slug', 'shop')).id;
    [a, b] = await Promise.all([spawnGateway(database.config, LIMITS_RAISED), spawnGateway(database.config, { ...LIMITS_RAISED, PGAPPNAME: nameOfB })]);
    admin = bearer((await send(a.url, 'POST', '/auth/login', {}, { email: 'root@example.com', password: PASSWORD })).body.access_token);
    await untilListening(db, nameOfB, () => send(b.url, 'GET', '/auth/me', admin));
  }, 60_000);

  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await db.destroy();
    await database.drop();
  });

  it('a logout on one process is refused by the other promptly', async () => {
    const pair = await register('logout@example.com');
    await warm(() => me(b, pair.access_token));
    expect((await send(a.url, 'POST', '/auth/logout', {}, { refresh_token: pair.refresh_token })).status).toBe(204);
    await expectSeen(() => me(b, pair.access_token), (res) => res.status === 401);
  });

  it('a session ended with revokeSession on one process is refused by the other promptly', async () => {
    const laptop = await register('devices@example.com');
    const phone = (await send(a.url, 'POST', '/auth/login', {}, { email: 'devices@example.com', password: PASSWORD })).body as { access_token: string };
    await warm(() => me(b, laptop.access_token));
    const revoked = await send(a.url, 'POST', '/graphql', bearer(phone.access_token), { query: 'mutation($id: ID!) { revokeSession(id: $id) }', variables: { id: sessionOf(laptop.access_token) } });
    expect(revoked.body).toEqual({ data: { revokeSession: true } });
    await expectSeen(() => me(b, laptop.access_token), (res) => res.status === 401);
    expect((await me(b, phone.access_token)).status).toBe(200);
  });

  it('an API key revoked on one process is refused by the other promptly', async () => {
    const created = (await onA('mutation { createApiKey(input: { tenantSlug: "alpha", name: "poller" }) { key apiKey { id } } }')).createApiKey;
    const policy = () => send(b.url, 'GET', `/v1/instances/${instanceId}/pin-policy`, { 'x-api-key': created.key });
    await warm(policy);
    await onA('mutation($id: ID!) { revokeApiKey(id: $id) { revokedAt } }', { id: created.apiKey.id });
    await expectSeen(policy, (res) => res.status === 401);
  });

  it("a membership granted, then withdrawn, on one process shows in the other's /auth/me promptly", async () => {
    const pair = await register('member@example.com');
    await warm(() => me(b, pair.access_token));
    const ref = { tenantSlug: 'alpha', email: 'member@example.com' };
    await onA('mutation($i: MemberInput!) { setMember(input: $i) { role } }', { i: { ...ref, role: 'admin' } });
    await expectSeen(() => me(b, pair.access_token), (res) => res.body.tenants?.[0]?.role === 'admin');
    await warm(() => me(b, pair.access_token));
    await onA('mutation($i: MemberRefInput!) { removeMember(input: $i) }', { i: ref });
    await expectSeen(() => me(b, pair.access_token), (res) => res.body.tenants?.length === 0);
  });

  it('a session revoked, a user deleted or a PIN policy changed straight in the database is seen promptly', async () => {
    const revoked = await register('revoked@example.com');
    const deleted = await register('deleted@example.com');
    await warm(() => me(b, revoked.access_token));
    await warm(() => me(b, deleted.access_token));
    await db('sessions').where({ id: sessionOf(revoked.access_token) }).update({ revoked_at: new Date().toISOString() });
    await expectSeen(() => me(b, revoked.access_token), (res) => res.status === 401);
    await db('users').where({ email_lower: 'deleted@example.com' }).delete();
    await expectSeen(() => me(b, deleted.access_token), (res) => res.status === 401);

    const policy = () => send(b.url, 'GET', `/v1/instances/${instanceId}/pin-policy`, admin);
    expect((await send(a.url, 'PATCH', `/v1/instances/${instanceId}/pin-policy`, admin, { pin_session_ttl_minutes: 10 })).status).toBe(200);
    await warm(policy);
    await db('pin_policies').where({ instance_id: instanceId }).update({ pin_session_ttl_minutes: 20 });
    await expectSeen(policy, (res) => res.body.pin_session_ttl_minutes === 20);
  });
});

/**
 * PostgreSQL tells the gateway of changes over one LISTEN connection; while it has none,
 * nothing may be served from memory. The gateway here connects as a role of its own, so the
 * test can find its listener in pg_stat_activity (`listen hydracore_auth`), kill it, and keep
 * it from coming back (NOLOGIN) for as long as it needs.
 */
(engine === 'postgres' && builtServerExists() ? describe : describe.skip)('auth cache while the PostgreSQL change listener is down', () => {
  const role = `hc_listener_${randomBytes(4).toString('hex')}`;
  const name = applicationName('listener');
  let database: TestDatabase;
  let db: Db;
  let gateway: Gateway;

  const login = async () => (await send(gateway.url, 'POST', '/auth/login', {}, { email: 'listener@example.com', password: PASSWORD })).body.access_token as string;
  const me = (token: string) => send(gateway.url, 'GET', '/auth/me', bearer(token));
  const revoke = (token: string) => db('sessions').where({ id: sessionOf(token) }).update({ revoked_at: new Date().toISOString() });

  beforeAll(async () => {
    database = await createTestDatabase();
    db = createDb(database.config);
    await migrateLatest(db);
    const schema = database.config.schema as string;
    await db.raw("create role ?? login password 'listener-test'", [role]);
    await db.raw('grant usage on schema ?? to ??', [schema, role]);
    await db.raw('grant all on all tables in schema ?? to ??', [schema, role]);
    const url = new URL(database.config.connection);
    url.username = role;
    url.password = 'listener-test';
    gateway = await spawnGateway({ ...database.config, connection: url.toString() }, { ...LIMITS_RAISED, MIGRATE_ON_START: 'false', PGAPPNAME: name });
    expect((await send(gateway.url, 'POST', '/auth/register', {}, { email: 'listener@example.com', password: PASSWORD })).status).toBe(200);
  }, 60_000);

  afterAll(async () => {
    await gateway?.stop();
    await database.drop();
    await db.raw('drop owned by ??', [role]);
    await db.raw('drop role if exists ??', [role]);
    await db.destroy();
  });

  it('serves nothing from memory while not listening, and caches again once it listens', async () => {
    const [cachedBefore, warmedDuring, cachedAfter, revokedAfter] = [await login(), await login(), await login(), await login()];
    await untilListening(db, name, () => me(cachedBefore));
    for (let i = 0; i < 5; i += 1) expect((await me(cachedBefore)).status).toBe(200);

    // Down: the listener is killed and cannot log in again.
    await db.raw('alter role ?? nologin', [role]);
    const [pid] = await listenerPids(db, name);
    await db.raw('select pg_terminate_backend(?)', [pid]);
    await until(async () => (await db.raw('select 1 from pg_stat_activity where pid = ?', [pid])).rows.length, (n) => n === 0);
    // The backend is gone; give the gateway's event loop a moment to read the connection's end.
    await new Promise((resolve) => setTimeout(resolve, 25));

    // A revocation whose notification nobody hears is honoured by the next request...
    await revoke(cachedBefore);
    expect((await me(cachedBefore)).status).toBe(401);
    // ...and so is one of a session read many times while not listening (none of it was kept).
    for (let i = 0; i < 5; i += 1) expect((await me(warmedDuring)).status).toBe(200);
    await revoke(warmedDuring);
    expect((await me(warmedDuring)).status).toBe(401);

    // Up again: a session check reconnects the listener (after its backoff, at most 10 s).
    await db.raw('alter role ?? login', [role]);
    await untilListening(db, name, () => me(cachedAfter), 15_000);

    // The one outside view of the cache: a revocation that fires no trigger (replica mode) is
    // not seen while the session is kept in memory.
    for (let i = 0; i < 5; i += 1) {
      expect((await me(cachedAfter)).status).toBe(200);
      expect((await me(revokedAfter)).status).toBe(200);
    }
    await db.transaction(async (trx) => {
      await trx.raw('set local session_replication_role = replica');
      await trx('sessions').where({ id: sessionOf(cachedAfter) }).update({ revoked_at: new Date().toISOString() });
    });
    expect((await me(cachedAfter)).status).toBe(200);

    // An ordinary revocation is heard again, and empties everything kept.
    await revoke(revokedAfter);
    await expectSeen(() => me(revokedAfter), (res) => res.status === 401);
    expect((await me(cachedAfter)).status).toBe(401);
  });
});

describe(`auth cache in one process (${engine})`, () => {
  const name = applicationName('app');
  const savedName = process.env.PGAPPNAME;
  let t: TestApp;
  beforeAll(async () => {
    // Every PostgreSQL connection of this test process is named so: the app's listener among them.
    process.env.PGAPPNAME = name;
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
    if (savedName === undefined) delete process.env.PGAPPNAME;
    else process.env.PGAPPNAME = savedName;
  });

  const me = (token: string) => t.app.inject({ method: 'GET', url: '/auth/me', headers: bearer(token) });
  const warm = async (token: string) => {
    await untilListening(t.db, name, () => me(token));
    for (let i = 0; i < 3; i += 1) expect((await me(token)).statusCode).toBe(200);
  };

  it('sees, on the next request, writes made straight to the database by another connection', async () => {
    // Over a socket: an injected request can run in the very tick of the write, where the
    // hot path's once-per-turn look at the database's version is documented to be one turn old.
    const url = await t.app.listen({ port: 0, host: '127.0.0.1' });
    const status = async (token: string) => (await fetch(`${url}/auth/me`, { headers: bearer(token) })).status;
    const direct = createDb(t.config.database);
    try {
      const revoked = await registerOperator(t, 'direct-revoked@example.com');
      const deleted = await registerOperator(t, 'direct-deleted@example.com');
      await warm(revoked.access_token);
      await warm(deleted.access_token);
      await direct('sessions').where({ id: sessionOf(revoked.access_token) }).update({ revoked_at: new Date().toISOString() });
      await expectSeen(() => status(revoked.access_token), (s) => s === 401);
      await direct('users').where({ email_lower: 'direct-deleted@example.com' }).delete();
      await expectSeen(() => status(deleted.access_token), (s) => s === 401);
    } finally {
      await direct.destroy();
    }
  });

  it('40 /auth/me racing a logout: none started after the logout answered gets a 200', async () => {
    const pair = await registerOperator(t, 'racer@example.com');
    await warm(pair.access_token);
    const racers: Array<Promise<{ afterLogout: boolean; status: number }>> = [];
    const race = (afterLogout: boolean) => racers.push(me(pair.access_token).then((res) => ({ afterLogout, status: res.statusCode })));
    let answered = false;
    // The most exposed moment: requests sent in the very tick the logout's answer arrives.
    const logout = post(t, '/auth/logout', { refresh_token: pair.refresh_token }).then((res) => {
      answered = true;
      while (racers.length < 40) race(true);
      return res;
    });
    while (!answered && racers.length < 30) {
      for (let i = 0; i < 5; i += 1) race(false);
      await new Promise(setImmediate);
    }
    expect((await logout).statusCode).toBe(204);
    const results = await Promise.all(racers);
    expect(results.filter((r) => r.afterLogout).length).toBeGreaterThanOrEqual(10);
    expect(results.filter((r) => r.afterLogout && r.status !== 401)).toEqual([]);
    expect(results.every((r) => r.status === 200 || r.status === 401)).toBe(true);
  });

  // Last use is written in batches (src/db/last-use.ts): a write per session, each emptying
  // the cache, would empty a busy gateway's cache many times a second. Requests write nothing;
  // a batch is one statement per table, on SQLite in one transaction (any commit moves
  // data_version, so that is one emptied cache per batch).
  it('requests of many sessions write nothing; one batch writes every latest use', async () => {
    const pairs = await Promise.all([1, 2, 3, 4, 5].map((n) => registerOperator(t, `batched-${n}@example.com`)));
    await warm(pairs[0].access_token);
    await t.app.services.hot.lastUse.flush();
    const statements: string[] = [];
    const seen = (query: { sql: string }) => statements.push(query.sql);
    t.db.on('query', seen);
    try {
      for (const [n, pair] of pairs.entries()) {
        t.clock.advance(1000);
        for (let i = 0; i <= n; i += 1) expect((await me(pair.access_token)).statusCode).toBe(200);
      }
      // Nothing went through knex on the requests' path: the cache was not emptied by them.
      expect(statements).toEqual([]);
      await t.app.services.hot.lastUse.flush();
    } finally {
      t.db.off('query', seen);
    }
    const updates = statements.filter((sql) => /^\s*update/i.test(sql));
    // SQLite: one UPDATE of sessions in one transaction; PostgreSQL writes beside knex.
    expect(updates).toEqual(engine === 'sqlite' ? [expect.stringMatching(/^update sessions set last_used_at/)] : []);
    const rows = await t.db('sessions').whereIn('id', pairs.map((p) => sessionOf(p.access_token))).select('id', 'last_used_at');
    const written = new Map(rows.map((row: { id: string; last_used_at: string | Date }) => [row.id, new Date(row.last_used_at).getTime()]));
    const start = t.clock.now().getTime() - 5000;
    expect(pairs.map((p) => written.get(sessionOf(p.access_token)))).toEqual([1, 2, 3, 4, 5].map((n) => start + n * 1000));
    // Nothing left: a second batch has nothing to write.
    const after: string[] = [];
    const seenAfter = (query: { sql: string }) => after.push(query.sql);
    t.db.on('query', seenAfter);
    await t.app.services.hot.lastUse.flush();
    t.db.off('query', seenAfter);
    expect(after).toEqual([]);
  });

  // SQLite cannot keep its cache through a last-use write (any commit moves data_version);
  // PostgreSQL writes it beside knex and no trigger fires.
  (engine === 'postgres' ? it : it.skip)('a last-use write does not empty the cache (PostgreSQL)', async () => {
    const pair = await registerOperator(t, 'last-use-cache@example.com');
    await warm(pair.access_token);
    // A revocation nobody announces (triggers off for it): the cache answers stale...
    const direct = createDb(t.config.database);
    try {
      await direct.transaction(async (trx) => {
        await trx.raw('set local session_replication_role = replica');
        await trx('sessions').where({ id: sessionOf(pair.access_token) }).update({ revoked_at: new Date().toISOString() });
      });
    } finally {
      await direct.destroy();
    }
    expect((await me(pair.access_token)).statusCode).toBe(200);
    // ...and still does after a request that wrote its session's last use.
    t.clock.advance(61_000);
    const before = (await t.db('sessions').where({ id: sessionOf(pair.access_token) }).first('last_used_at')).last_used_at;
    expect((await me(pair.access_token)).statusCode).toBe(200);
    await t.app.services.hot.lastUse.flush();
    const after = (await t.db('sessions').where({ id: sessionOf(pair.access_token) }).first('last_used_at')).last_used_at;
    expect(new Date(after).getTime()).toBeGreaterThan(new Date(before).getTime());
    expect((await me(pair.access_token)).statusCode).toBe(200);
    // Any other write empties it, and the revocation is seen.
    await registerOperator(t, 'any-write@example.com');
    expect((await me(pair.access_token)).statusCode).toBe(401);
  });

  it('refuses an expired access token although its signature was checked and kept', async () => {
    const pair = await registerOperator(t, 'clock@example.com');
    await warm(pair.access_token);
    t.clock.advance((pair.expires_in - 1) * 1000);
    expect((await me(pair.access_token)).statusCode).toBe(200);
    t.clock.advance(1000);
    const expired = await me(pair.access_token);
    expect(expired.statusCode).toBe(401);
    expect(expired.body).toBe('{"detail":"Could not validate credentials"}');
  });
});

describe(`AUTH_CACHE=false (${engine})`, () => {
  /**
   * Revokes a warm session where no invalidation reaches (on PostgreSQL with the triggers off
   * for that write; on SQLite answering in the same turn, before any look at data_version) and
   * returns the next answer's status: stale with the cache on, fresh with it off.
   */
  async function afterUnannouncedRevocation(env: Record<string, string>): Promise<number> {
    const name = applicationName('flag');
    const savedName = process.env.PGAPPNAME;
    process.env.PGAPPNAME = name;
    const t = await startTestApp(env);
    const direct = createDb(t.config.database);
    try {
      const pair = await registerOperator(t, 'unannounced@example.com');
      const me = () => t.app.inject({ method: 'GET', url: '/auth/me', headers: bearer(pair.access_token) });
      if (env.AUTH_CACHE !== 'false') await untilListening(t.db, name, me);
      for (let i = 0; i < 3; i += 1) expect((await me()).statusCode).toBe(200);
      if (engine === 'postgres') {
        await direct.transaction(async (trx) => {
          await trx.raw('set local session_replication_role = replica');
          await trx('sessions').where({ id: sessionOf(pair.access_token) }).update({ revoked_at: new Date().toISOString() });
        });
      } else {
        await direct('sessions').where({ id: sessionOf(pair.access_token) }).update({ revoked_at: new Date().toISOString() });
      }
      return (await me()).statusCode;
    } finally {
      await direct.destroy();
      await t.close();
      if (savedName === undefined) delete process.env.PGAPPNAME;
      else process.env.PGAPPNAME = savedName;
    }
  }

  it('reads the database on every check (the same unannounced change is stale with the cache on)', async () => {
    expect(await afterUnannouncedRevocation({})).toBe(200);
    expect(await afterUnannouncedRevocation({ AUTH_CACHE: 'false' })).toBe(401);
  });
});
