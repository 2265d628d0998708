import { startTestApp, type TestApp } from '../../helpers/app';
import { bearer, graphql, lastCodeFor, PASSWORD, post, verifiedOperator, type Pair } from '../../helpers/auth';
import { engine } from '../../helpers/db';
import { asPlatform, seedTenant } from '../../helpers/seed';

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
