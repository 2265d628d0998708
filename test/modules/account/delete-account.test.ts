import type { Knex } from 'knex';
import { createHash } from 'node:crypto';
import { startTestApp, type TestApp } from '../../helpers/app';
import { bearer, graphql, lastCodeFor, PASSWORD, post, verifiedOperator, type Pair } from '../../helpers/auth';
import { SoftwareAuthenticator } from '../../helpers/authenticator';
import { engine } from '../../helpers/db';
import { asPlatform, seedTenant } from '../../helpers/seed';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** Every row of every table of the test database, as lower-cased JSON, by table. */
async function everyTable(db: Knex): Promise<Record<string, string>> {
  const tables: string[] =
    engine === 'postgres'
      ? (await db.raw("select table_name from information_schema.tables where table_schema = current_schema() and table_type = 'BASE TABLE'")).rows.map((r: { table_name: string }) => r.table_name)
      : (await db.raw("select name from sqlite_master where type = 'table' and name not like 'sqlite_%'")).map((r: { name: string }) => r.name);
  const dump: Record<string, string> = {};
  for (const table of tables) dump[table] = JSON.stringify(await db(table).select()).toLowerCase();
  return dump;
}

/** The tables whose rows contain any of `needles`. */
const tablesHolding = (dump: Record<string, string>, needles: string[]) =>
  Object.entries(dump)
    .filter(([, rows]) => needles.some((needle) => rows.includes(needle)))
    .map(([table]) => table)
    .sort();

const DELETE = 'mutation($password: String!) { deleteAccount(password: $password) }';
const SET_MEMBER = 'mutation($input: MemberInput!) { setMember(input: $input) { role } }';

/** Issue 18, item 6: an operator deletes their own account; the audit log keeps no personal data. */
describe(`deleteAccount (${engine})`, () => {
  let t: TestApp;
  let n = 0;
  const newAddress = () => `gone${(n += 1)}@example.com`;
  const remove = (pair: Pair, password = PASSWORD) => graphql(t, DELETE, { password }, bearer(pair.access_token));
  const errorCode = (result: { errors?: Array<{ extensions: Record<string, unknown> }> }) => result.errors?.[0].extensions.code;
  const userId = async (email: string): Promise<string> => (await t.db('users').where({ email_lower: email }).first('id')).id;
  const member = (tenantSlug: string, email: string, role: string) => asPlatform(t, SET_MEMBER, { input: { tenantSlug, email, role } });
  const count = async (table: string, where: Record<string, unknown>) => Number((await t.db(table).where(where).count({ n: '*' }).first())?.n);

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('removes the account, its sessions, memberships, PIN, codes and pending changes; its tokens die', async () => {
    const email = newAddress();
    const first = await verifiedOperator(t, email);
    const second: Pair = (await post(t, '/auth/login', { email, password: PASSWORD })).json();
    const id = await userId(email);
    await seedTenant(t, 'kept');
    await member('kept', email, 'admin');
    await graphql(t, 'mutation { setMyPin(input: { pin: "1234" }) { hasPin } }', {}, bearer(first.access_token));
    await post(t, '/auth/forgot-password', { email });
    await graphql(t, 'mutation { changeEmail(newEmail: "elsewhere@example.com", password: "correct horse battery staple") }', {}, bearer(first.access_token));
    expect(await lastCodeFor(t, 'elsewhere@example.com')).toMatch(/^\d{6}$/);

    expect((await remove(second)).data?.deleteAccount).toBe(true);

    for (const pair of [first, second]) {
      expect(errorCode(await graphql(t, '{ me { email } }', {}, bearer(pair.access_token)))).toBe('INVALID_TOKEN');
      expect((await post(t, '/auth/refresh', { refresh_token: pair.refresh_token })).statusCode).toBe(401);
    }
    const login = await post(t, '/auth/login', { email, password: PASSWORD });
    expect(login.statusCode).toBe(401);
    expect(login.json()).toEqual({ detail: 'Invalid email or password' });

    expect(await count('users', { id })).toBe(0);
    expect(await count('sessions', { subject_id: id })).toBe(0);
    expect(await t.db('refresh_tokens').join('sessions', 'sessions.id', 'refresh_tokens.session_id').where('sessions.subject_id', id).first()).toBeUndefined();
    expect(await count('pins', { subject_id: id })).toBe(0);
    expect(await count('password_resets', { user_id: id })).toBe(0);
    expect(await count('email_changes', { user_id: id })).toBe(0);
    expect(await t.db('one_time_codes').where('subject', 'like', `%${id}%`).first()).toBeUndefined();
    const members = await asPlatform<{ members: Array<{ email: string }> }>(t, '{ members(tenantSlug: "kept") { email } }');
    expect(members.members).toEqual([]);

    // The address is free again: a new account, nothing of the old one.
    const again = await verifiedOperator(t, email);
    expect((await graphql(t, '{ me { tenants { slug } } }', {}, bearer(again.access_token))).data?.me.tenants).toEqual([]);
  });

  it('keeps the audit rows about the account, naming it by id only', async () => {
    const email = newAddress();
    const pair = await verifiedOperator(t, email);
    const id = await userId(email);
    await seedTenant(t, 'audited');
    await member('audited', email, 'member');
    await post(t, '/auth/login', { email, password: PASSWORD });
    await remove(pair, 'a wrong password');
    expect((await remove(pair)).data?.deleteAccount).toBe(true);

    const deleted = await t.db('audit_events').where({ action: 'account.deleted', target_id: id }).first('actor_kind', 'actor_id', 'target_kind', 'tenant_id', 'details');
    expect(deleted).toEqual({ actor_kind: 'user', actor_id: id, target_kind: 'user', tenant_id: null, details: null });
    // The tenant's own log shows the member leaving.
    const tenant = (await t.db('tenants').where({ slug: 'audited' }).first('id')).id;
    const left = await t.db('audit_events').where({ action: 'member.removed', tenant_id: tenant, target_id: id }).first('details');
    expect(JSON.parse(left.details)).toEqual({ oldRole: 'member', newRole: null });
    // Earlier rows survive the user row (no foreign key reaches them), and none holds the address.
    const rows: Array<Record<string, unknown>> = await t.db('audit_events').where('actor_id', id).orWhere('target_id', id);
    expect(rows.map((r) => r.action)).toEqual(expect.arrayContaining(['login.succeeded', 'login.failed', 'member.changed', 'account.deleted', 'member.removed']));
    expect(JSON.stringify(await t.db('audit_events').select()).toLowerCase()).not.toContain(email);
  });

  /**
   * Security review of issue 18: the account's address stayed in the mail outbox, in queued
   * mail requests, and (as a SHA-256 anyone can recompute from a guess) in failed sign-ins of
   * the audit log; the audit rows kept the person's IP addresses.
   */
  it('leaves no trace of the address in any table (nor its SHA-256); audit rows stay, without the person\'s IPs', async () => {
    const email = 'Gone.Person@example.com';
    const key = email.toLowerCase();
    const pendingAddress = 'Pending.New@example.com';
    const pair = await verifiedOperator(t, email);
    const id = await userId(key);
    await seedTenant(t, 'erased');
    await member('erased', email, 'admin');
    for (const guess of ['wrong one', 'wrong two']) expect((await post(t, '/auth/login', { email: 'gone.person@example.com', password: guess })).statusCode).toBe(401);
    // A refresh token used again after the grace window: reuse, recorded against the session by an anonymous caller.
    const fresh: Pair = (await post(t, '/auth/login', { email, password: PASSWORD })).json();
    expect((await post(t, '/auth/refresh', { refresh_token: fresh.refresh_token })).statusCode).toBe(200);
    t.clock.advance(11_000);
    expect((await post(t, '/auth/refresh', { refresh_token: fresh.refresh_token })).statusCode).toBe(401);
    // A passkey (mailed notice), then a sign-in with it (anonymous, about the account).
    const authenticator = new SoftwareAuthenticator('https://id.hydracore.test');
    const options = (await graphql(t, 'mutation { startPasskeyRegistration }', {}, bearer(pair.access_token))).data?.startPasskeyRegistration;
    expect((await graphql(t, 'mutation($r: JSON!) { finishPasskeyRegistration(response: $r) }', { r: authenticator.create(options) }, bearer(pair.access_token))).data?.finishPasskeyRegistration).toBe(true);
    const loginOptions = (await graphql(t, 'mutation { startPasskeyLogin }')).data?.startPasskeyLogin;
    const aal2: string = (await graphql(t, 'mutation($r: JSON!) { finishPasskeyLogin(response: $r) { accessToken } }', { r: authenticator.get(loginOptions) })).data?.finishPasskeyLogin.accessToken;
    await post(t, '/auth/forgot-password', { email: 'GONE.person@example.com' });
    await t.app.mailRequests.drain(); // resolved: a reset link in the outbox
    expect((await graphql(t, 'mutation($e: String!, $p: String!) { changeEmail(newEmail: $e, password: $p) }', { e: pendingAddress, p: PASSWORD }, bearer(aal2))).data?.changeEmail).toBe(true);
    // Still queued at deletion: requests not resolved yet, and mail to another spelling of the address.
    await post(t, '/auth/forgot-password', { email: ' gone.PERSON@example.com ' });
    await post(t, '/auth/resend-verification', { email });
    await t.db('mail_outbox').insert({ id: '00000000-0000-4000-8000-00000000e1a5', recipient: 'GONE.PERSON@example.com', subject: 'queued', text_body: 'queued', status: 'pending', attempts: 0, next_attempt_at: t.clock.now().toISOString(), created_at: t.clock.now().toISOString(), expires_at: t.clock.now().toISOString() });
    const platformRow = await t.db('audit_events').where({ action: 'member.changed', target_id: id }).first('id', 'ip', 'actor_kind');
    expect(platformRow).toMatchObject({ actor_kind: 'system', ip: '127.0.0.1' });

    const needles = [key, sha256(key), pendingAddress.toLowerCase(), sha256(pendingAddress.toLowerCase())];
    // The test would see them: where the address and its digests are before the deletion.
    expect(tablesHolding(await everyTable(t.db), needles)).toEqual(['audit_events', 'email_changes', 'mail_outbox', 'mail_requests', 'one_time_codes', 'users']);
    const sessions: string[] = await t.db('sessions').where({ subject_id: id }).pluck('id');
    const anonymousAbout = await t.db('audit_events').where('actor_kind', 'anonymous').whereNotNull('ip').whereIn('target_id', [id, sha256(key), ...sessions]).pluck('action');
    expect(anonymousAbout).toEqual(expect.arrayContaining(['login.failed', 'login.succeeded', 'refresh.reuse_detected']));
    const before = Number((await t.db('audit_events').count({ n: '*' }))[0].n);

    expect((await remove({ ...pair, access_token: aal2 })).data?.deleteAccount).toBe(true);

    expect(tablesHolding(await everyTable(t.db), needles)).toEqual([]);
    // Nothing of the audit log is deleted: two rows more (the member leaving, the account deleted).
    expect(Number((await t.db('audit_events').count({ n: '*' }))[0].n)).toBe(before + 2);
    // The failed sign-ins name the account by id now, like every row about it.
    const failed = await t.db('audit_events').where({ action: 'login.failed', target_id: id }).select('target_kind', 'target_id', 'ip');
    expect(failed).toEqual([
      { target_kind: 'user', target_id: id, ip: null },
      { target_kind: 'user', target_id: id, ip: null },
    ]);
    // No IP in any row the account made, nor in the anonymous ones about it or its sessions.
    const mine = await t.db('audit_events').where('actor_id', id).select('action', 'ip');
    expect(mine.map((r) => r.action)).toEqual(expect.arrayContaining(['passkey.registered', 'member.removed', 'account.deleted']));
    expect(mine.filter((r) => r.ip !== null)).toEqual([]);
    expect(await t.db('audit_events').whereNotNull('ip').whereIn('target_id', [id, ...sessions]).whereNot('actor_kind', 'system').pluck('action')).toEqual([]);
    // The platform's promotion of the account keeps the platform's record.
    expect(await t.db('audit_events').where({ id: platformRow.id }).first('id', 'ip', 'actor_kind')).toEqual(platformRow);
  });

  it('is refused for the last owner of a tenant, and allowed once another owner exists', async () => {
    const email = newAddress();
    const pair = await verifiedOperator(t, email);
    await seedTenant(t, 'owned');
    await member('owned', email, 'owner');
    const refused = await remove(pair);
    expect(refused.errors?.[0]).toMatchObject({ message: 'A tenant must keep at least one owner', path: ['deleteAccount'], extensions: { code: 'LAST_OWNER' } });
    expect(await count('users', { email_lower: email })).toBe(1);
    expect((await graphql(t, '{ me { email } }', {}, bearer(pair.access_token))).data?.me.email).toBe(email);

    const other = newAddress();
    await verifiedOperator(t, other);
    await member('owned', other, 'owner');
    expect((await remove(pair)).data?.deleteAccount).toBe(true);
    const members = await asPlatform<{ members: Array<{ email: string; role: string }> }>(t, '{ members(tenantSlug: "owned") { email role } }');
    expect(members.members).toEqual([{ email: other, role: 'owner' }]);
  });

  it('two owners of one tenant deleting their accounts at once: one stays', async () => {
    const a = newAddress();
    const b = newAddress();
    const pairs = [await verifiedOperator(t, a), await verifiedOperator(t, b)];
    await seedTenant(t, 'shared');
    await member('shared', a, 'owner');
    await member('shared', b, 'owner');
    const results = await Promise.all(pairs.map((pair) => remove(pair)));
    expect(results.map((r) => r.data?.deleteAccount ?? errorCode(r)).sort()).toEqual(['LAST_OWNER', true].sort());
    const members = await asPlatform<{ members: Array<{ role: string }> }>(t, '{ members(tenantSlug: "shared") { role } }');
    expect(members.members).toEqual([{ role: 'owner' }]);
  });

  /**
   * Security review of issue 18: the deletion read the tenants the account owned before taking
   * any lock, so an admin promoted to owner meanwhile (and the other owner stepping down) left
   * the tenant ownerless. Here a transaction of the test plays the promotion, holding the locks
   * a membership change takes, while the deletion runs.
   */
  describe('racing a membership change (PostgreSQL locks)', () => {
    const onPostgres = engine === 'postgres' ? it : it.skip;
    const tenantId = async (slug: string): Promise<string> => (await t.db('tenants').where({ slug }).first('id')).id;

    /** Waits until a statement of the app waits for a lock the transaction `holder` holds. */
    async function blockedBy(holder: Knex.Transaction): Promise<boolean> {
      const pid: number = (await holder.raw('select pg_backend_pid() as pid')).rows[0].pid;
      for (let tries = 0; tries < 100; tries += 1) {
        const waiting = (await t.db.raw('select count(*)::int as n from pg_stat_activity where ? = any(pg_blocking_pids(pid))', [pid])).rows[0].n;
        if (waiting > 0) return true;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      return false;
    }

    onPostgres('an admin promoted to owner, the other owner stepping down, while the admin deletes their account: LAST_OWNER', async () => {
      const admin = newAddress();
      const owner = newAddress();
      const pair = await verifiedOperator(t, admin);
      await verifiedOperator(t, owner);
      await seedTenant(t, 'promoted');
      await member('promoted', admin, 'admin');
      await member('promoted', owner, 'owner');
      const tenant = await tenantId('promoted');

      const promotion = await t.db.transaction();
      await promotion('tenants').where({ id: tenant }).forUpdate().first('id');
      const deletion = remove(pair);
      expect(await blockedBy(promotion)).toBe(true);
      await promotion('tenant_members').where({ tenant_id: tenant, user_id: await userId(admin) }).update({ role: 'owner' });
      await promotion('tenant_members').where({ tenant_id: tenant, user_id: await userId(owner) }).update({ role: 'admin' });
      await promotion.commit();

      expect(errorCode(await deletion)).toBe('LAST_OWNER');
      const members = await asPlatform<{ members: Array<{ email: string; role: string }> }>(t, '{ members(tenantSlug: "promoted") { email role } }');
      expect(members.members.filter((m) => m.role === 'owner')).toEqual([{ email: admin, role: 'owner' }]);
    });

    onPostgres('made owner of another tenant while deleting (that owner then stepping down): LAST_OWNER', async () => {
      const leaving = newAddress();
      const owner = newAddress();
      const pair = await verifiedOperator(t, leaving);
      await verifiedOperator(t, owner);
      await seedTenant(t, 'joined');
      await member('joined', owner, 'owner');
      const tenant = await tenantId('joined');

      const promotion = await t.db.transaction();
      await promotion('tenants').where({ id: tenant }).forUpdate().first('id');
      await promotion('tenant_members').insert({ tenant_id: tenant, user_id: await userId(leaving), role: 'owner', created_at: t.clock.now().toISOString() });
      const deletion = remove(pair);
      expect(await blockedBy(promotion)).toBe(true);
      await promotion('tenant_members').where({ tenant_id: tenant, user_id: await userId(owner) }).update({ role: 'admin' });
      await promotion.commit();

      expect(errorCode(await deletion)).toBe('LAST_OWNER');
      const members = await asPlatform<{ members: Array<{ email: string; role: string }> }>(t, '{ members(tenantSlug: "joined") { email role } }');
      expect(members.members.filter((m) => m.role === 'owner')).toEqual([{ email: leaving, role: 'owner' }]);
    });
  });

  it('two deletions of one account at once: one deletes it, the other finds it gone (one account.deleted)', async () => {
    const email = newAddress();
    const pair = await verifiedOperator(t, email);
    const id = await userId(email);
    const results = await Promise.all([remove(pair), remove(pair), remove(pair)]);
    expect(results.filter((r) => r.data?.deleteAccount === true)).toHaveLength(1);
    for (const refused of results.filter((r) => r.errors)) expect(['INVALID_TOKEN', 'INVALID_CURRENT_PASSWORD']).toContain(errorCode(refused));
    expect(await count('audit_events', { action: 'account.deleted', target_id: id })).toBe(1);
  });

  it('a wrong password is INVALID_CURRENT_PASSWORD, deletes nothing, and counts toward the login lock', async () => {
    const email = newAddress();
    const pair = await verifiedOperator(t, email);
    for (let i = 0; i < 10; i += 1) expect(errorCode(await remove(pair, `guess-${i}`))).toBe('INVALID_CURRENT_PASSWORD');
    expect((await post(t, '/auth/login', { email, password: PASSWORD })).statusCode).toBe(429);
    expect(errorCode(await remove(pair))).toBe('RATE_LIMITED');
    expect(await count('users', { email_lower: email })).toBe(1);
    t.clock.advance(15 * 60_000 + 1000);
    const empty = await remove(pair, '');
    expect(empty.errors?.[0].extensions.detail).toEqual([{ type: 'string_too_short', loc: ['password'], msg: 'String should have at least 1 character', input: '', ctx: { min_length: 1 } }]);
  });

  /**
   * Tables that reference users(id) ON DELETE CASCADE (reset links, the pending address change,
   * and the second factors and passkeys other parts add) go with the user row on both engines:
   * SQLite runs with foreign keys on. A table added later is covered the same way.
   */
  it('rows of any table referencing users(id) ON DELETE CASCADE go with the account', async () => {
    await t.db.schema.createTable('test_user_factors', (table) => {
      table.uuid('id').primary();
      table.uuid('user_id').notNullable().references('id').inTable('users').onDelete('CASCADE');
    });
    const email = newAddress();
    const pair = await verifiedOperator(t, email);
    const id = await userId(email);
    await t.db('test_user_factors').insert({ id: '00000000-0000-4000-8000-000000000001', user_id: id });
    expect((await remove(pair)).data?.deleteAccount).toBe(true);
    expect(await count('test_user_factors', { user_id: id })).toBe(0);
    await t.db.schema.dropTable('test_user_factors');
  });

  it('API keys a deleted owner created stay: they are the tenant\'s', async () => {
    const email = newAddress();
    const pair = await verifiedOperator(t, email);
    await seedTenant(t, 'keys');
    await member('keys', email, 'owner');
    const other = newAddress();
    await verifiedOperator(t, other);
    await member('keys', other, 'owner');
    const created = await graphql(t, 'mutation { createApiKey(input: { tenantSlug: "keys", name: "ci" }) { key } }', {}, bearer(pair.access_token));
    const key = created.data?.createApiKey.key as string;
    expect(key).toBeDefined();
    expect((await remove(pair)).data?.deleteAccount).toBe(true);
    expect((await t.app.inject({ method: 'GET', url: '/v1/instances/00000000-0000-4000-8000-000000000000/pin-policy', headers: { 'x-api-key': key } })).statusCode).toBe(404);
  });

  it('needs a signed-in operator; aliases cannot try several passwords', async () => {
    expect(errorCode(await graphql(t, DELETE, { password: PASSWORD }))).toBe('NOT_AUTHENTICATED');
    const pair = await verifiedOperator(t, newAddress());
    const aliased = await graphql(t, 'mutation { a: deleteAccount(password: "g1") b: deleteAccount(password: "g2") }', {}, bearer(pair.access_token));
    expect(errorCode(aliased)).toBe('GRAPHQL_VALIDATION_FAILED');
  });
});
