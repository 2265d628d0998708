import { CREATE_API_KEY } from '../../../src/cli/operations';
import { startTestApp, type TestApp } from '../../helpers/app';
import { bearer, graphql, verifiedOperator } from '../../helpers/auth';
import { seedShop } from '../../helpers/customers';
import { engine } from '../../helpers/db';
import { asPlatform } from '../../helpers/seed';

const SET_MEMBER = 'mutation($i: MemberInput!) { setMember(input: $i) { email role } }';
const REMOVE_MEMBER = 'mutation($i: MemberRefInput!) { removeMember(input: $i) }';

/**
 * Issue 12, item 1: a tenant API key made a member `owner` and demoted the human owner.
 * Keys manage neither keys nor people; only owners make or remove owners; the last owner stays.
 */
describe(`tenant membership rules (${engine})`, () => {
  let t: TestApp;
  let key: string;
  const people = new Map<string, Record<string, string>>();
  const as = (who: string) => (query: string, variables: Record<string, unknown> = {}) => graphql(t, query, variables, people.get(who));
  const roles = async (slug = 'alpha') => {
    const rows = await t.db('tenant_members').join('users', 'users.id', 'tenant_members.user_id').join('tenants', 'tenants.id', 'tenant_members.tenant_id').where('tenants.slug', slug).select('users.email_lower as email', 'tenant_members.role');
    return Object.fromEntries(rows.map((r: { email: string; role: string }) => [r.email, r.role]));
  };
  const setRole = async (email: string, role: string | null) => {
    const user = await t.db('users').where({ email_lower: email }).first('id');
    const tenant = await t.db('tenants').where({ slug: 'alpha' }).first('id');
    await t.db('tenant_members').where({ tenant_id: tenant.id, user_id: user.id }).delete();
    if (role) await t.db('tenant_members').insert({ tenant_id: tenant.id, user_id: user.id, role, created_at: new Date().toISOString() });
  };

  beforeAll(async () => {
    t = await startTestApp();
    await seedShop(t, 'alpha', 0);
    await seedShop(t, 'bravo', 0);
    for (const who of ['owner', 'owner2', 'admin', 'member', 'outsider', 'platform']) {
      people.set(who, bearer((await verifiedOperator(t, `${who}@example.com`)).access_token));
    }
    await t.db('users').where({ email_lower: 'platform@example.com' }).update({ is_admin: true });
    key = (await asPlatform<{ createApiKey: { key: string } }>(t, CREATE_API_KEY, { input: { tenantSlug: 'alpha', name: 'ci' } })).createApiKey.key;
    people.set('key', { 'x-api-key': key });
  });
  beforeEach(async () => {
    await t.db('tenant_members').delete();
    await t.db('audit_events').delete();
    await setRole('owner@example.com', 'owner');
    await setRole('admin@example.com', 'admin');
    await setRole('member@example.com', 'member');
  });
  afterAll(() => t.close());

  it('an API key can neither change members nor mint keys: the takeover of issue 12 fails at every step', async () => {
    // Only a person may act here: /graphql says so (PERSON_TOKEN_REQUIRED; REST: 403 "Not enough permissions").
    const promote = await as('key')(SET_MEMBER, { i: { tenantSlug: 'alpha', email: 'member@example.com', role: 'owner' } });
    expect(promote.errors?.[0].extensions.code).toBe('PERSON_TOKEN_REQUIRED');
    const demote = await as('key')(SET_MEMBER, { i: { tenantSlug: 'alpha', email: 'owner@example.com', role: 'member' } });
    expect(demote.errors?.[0].extensions.code).toBe('PERSON_TOKEN_REQUIRED');
    const remove = await as('key')(REMOVE_MEMBER, { i: { tenantSlug: 'alpha', email: 'owner@example.com' } });
    expect(remove.errors?.[0].extensions.code).toBe('PERSON_TOKEN_REQUIRED');
    const mint = await as('key')('mutation { createApiKey(input: { tenantSlug: "alpha", name: "x" }) { key } }');
    expect(mint.errors?.[0].extensions.code).toBe('PERSON_TOKEN_REQUIRED');
    expect(await roles()).toEqual({ 'owner@example.com': 'owner', 'admin@example.com': 'admin', 'member@example.com': 'member' });
    // Reading the member list stays open to the tenant's key (an integration may show it).
    const list = await as('key')('{ members(tenantSlug: "alpha") { email role } }');
    expect(list.data?.members).toHaveLength(3);
  });

  it('an admin manages admins and members, never owners', async () => {
    expect((await as('admin')(SET_MEMBER, { i: { tenantSlug: 'alpha', email: 'outsider@example.com', role: 'member' } })).data?.setMember).toEqual({ email: 'outsider@example.com', role: 'member' });
    expect((await as('admin')(SET_MEMBER, { i: { tenantSlug: 'alpha', email: 'outsider@example.com', role: 'admin' } })).data?.setMember.role).toBe('admin');
    expect((await as('admin')(REMOVE_MEMBER, { i: { tenantSlug: 'alpha', email: 'outsider@example.com' } })).data?.removeMember).toBe(true);
    for (const [query, i] of [
      [SET_MEMBER, { tenantSlug: 'alpha', email: 'member@example.com', role: 'owner' }],
      [SET_MEMBER, { tenantSlug: 'alpha', email: 'admin@example.com', role: 'owner' }],
      [SET_MEMBER, { tenantSlug: 'alpha', email: 'owner@example.com', role: 'admin' }],
      [REMOVE_MEMBER, { tenantSlug: 'alpha', email: 'owner@example.com' }],
    ] as const) {
      const res = await as('admin')(query, { i });
      expect(res.errors?.[0].extensions.code).toBe('FORBIDDEN');
    }
    expect(await roles()).toEqual({ 'owner@example.com': 'owner', 'admin@example.com': 'admin', 'member@example.com': 'member' });
  });

  it('plain members may not manage people (403); operators of other tenants learn nothing (404)', async () => {
    for (const [who, code] of [['member', 'FORBIDDEN'], ['outsider', 'TENANT_NOT_FOUND']]) {
      const res = await as(who)(SET_MEMBER, { i: { tenantSlug: 'alpha', email: `${who}@example.com`, role: 'owner' } });
      expect(res.errors?.[0].extensions.code).toBe(code);
    }
    expect(await roles()).toEqual({ 'owner@example.com': 'owner', 'admin@example.com': 'admin', 'member@example.com': 'member' });
  });

  it('an owner makes and removes owners, but nobody demotes or removes the last owner', async () => {
    const last = await as('owner')(SET_MEMBER, { i: { tenantSlug: 'alpha', email: 'owner@example.com', role: 'admin' } });
    expect(last.errors?.[0]).toMatchObject({ message: 'A tenant must keep at least one owner', extensions: { code: 'LAST_OWNER' } });
    const platform = await as('platform')(REMOVE_MEMBER, { i: { tenantSlug: 'alpha', email: 'owner@example.com' } });
    expect(platform.errors?.[0].extensions.code).toBe('LAST_OWNER');

    expect((await as('owner')(SET_MEMBER, { i: { tenantSlug: 'alpha', email: 'owner2@example.com', role: 'owner' } })).data?.setMember.role).toBe('owner');
    expect((await as('owner2')(SET_MEMBER, { i: { tenantSlug: 'alpha', email: 'owner@example.com', role: 'member' } })).data?.setMember.role).toBe('member');
    const selfDemote = await as('owner2')(REMOVE_MEMBER, { i: { tenantSlug: 'alpha', email: 'owner2@example.com' } });
    expect(selfDemote.errors?.[0].extensions.code).toBe('LAST_OWNER');
    expect(await roles()).toMatchObject({ 'owner@example.com': 'member', 'owner2@example.com': 'owner' });
  });

  it('two owners demoting each other at once (parallel requests) leave exactly one owner', async () => {
    await setRole('owner2@example.com', 'owner');
    const [a, b] = await Promise.all([
      as('owner')(SET_MEMBER, { i: { tenantSlug: 'alpha', email: 'owner2@example.com', role: 'admin' } }),
      as('owner2')(SET_MEMBER, { i: { tenantSlug: 'alpha', email: 'owner@example.com', role: 'admin' } }),
    ]);
    const codes = [a, b].map((r) => r.errors?.[0].extensions.code ?? 'OK').sort();
    // Whichever ran second either lost its owner standing (FORBIDDEN) or hit the last owner.
    expect(codes[1]).toBe('OK');
    expect(['FORBIDDEN', 'LAST_OWNER']).toContain(codes[0]);
    const owners = Object.values(await roles()).filter((role) => role === 'owner');
    expect(owners).toHaveLength(1);
  });

  it('aliases cannot demote every owner in one request', async () => {
    await setRole('owner2@example.com', 'owner');
    const res = await as('owner')(
      `mutation {
        a: setMember(input: { tenantSlug: "alpha", email: "owner2@example.com", role: admin }) { role }
        b: setMember(input: { tenantSlug: "alpha", email: "owner@example.com", role: admin }) { role }
      }`,
    );
    // Mutations run in order: the first demotion succeeds, the second would leave no owner.
    expect(res.errors?.map((e) => [e.path, e.extensions.code])).toEqual([[['b'], 'LAST_OWNER']]);
    expect(await roles()).toMatchObject({ 'owner@example.com': 'owner', 'owner2@example.com': 'admin' });
  });

  it('a role outside the enum is BAD_USER_INPUT naming the allowed values, as a literal and as a variable', async () => {
    const literal = await as('owner')('mutation { setMember(input: { tenantSlug: "alpha", email: "outsider@example.com", role: superuser }) { role } }');
    expect(literal.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', allowedValues: ['owner', 'admin', 'member'] });
    expect(literal.errors?.[0].message).toContain('Expected one of: owner, admin, member.');
    const variable = await as('owner')(SET_MEMBER, { i: { tenantSlug: 'alpha', email: 'outsider@example.com', role: 'superuser' } });
    expect(variable.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', allowedValues: ['owner', 'admin', 'member'] });
    const asString = await as('owner')('mutation { setMember(input: { tenantSlug: "alpha", email: "outsider@example.com", role: "owner" }) { role } }');
    expect(asString.errors?.[0].extensions.code).toBe('BAD_USER_INPUT');
    expect(await roles()).not.toHaveProperty(['outsider@example.com']);
  });

  it('every membership change writes an audit event with actor, target, old and new role', async () => {
    await as('owner')(SET_MEMBER, { i: { tenantSlug: 'alpha', email: 'outsider@example.com', role: 'member' } });
    await as('admin')(SET_MEMBER, { i: { tenantSlug: 'alpha', email: 'outsider@example.com', role: 'admin' } });
    await as('owner')(REMOVE_MEMBER, { i: { tenantSlug: 'alpha', email: 'outsider@example.com' } });
    // Setting the role a member already has changes nothing and records nothing.
    await as('owner')(SET_MEMBER, { i: { tenantSlug: 'alpha', email: 'admin@example.com', role: 'admin' } });
    const ids = Object.fromEntries(
      (await t.db('users').whereIn('email_lower', ['owner@example.com', 'admin@example.com', 'outsider@example.com']).select('id', 'email_lower')).map((u: { id: string; email_lower: string }) => [u.email_lower, u.id]),
    );
    const events = await as('owner')('{ auditEvents(input: { tenantSlug: "alpha", first: 10 }) { action actorKind actorId targetKind targetId details } }');
    const membership = events.data?.auditEvents.filter((e: { action: string }) => e.action.startsWith('member.')).reverse();
    expect(membership).toEqual([
      { action: 'member.changed', actorKind: 'user', actorId: ids['owner@example.com'], targetKind: 'user', targetId: ids['outsider@example.com'], details: '{"oldRole":null,"newRole":"member"}' },
      { action: 'member.changed', actorKind: 'user', actorId: ids['admin@example.com'], targetKind: 'user', targetId: ids['outsider@example.com'], details: '{"oldRole":"member","newRole":"admin"}' },
      { action: 'member.removed', actorKind: 'user', actorId: ids['owner@example.com'], targetKind: 'user', targetId: ids['outsider@example.com'], details: '{"oldRole":"admin","newRole":null}' },
    ]);
  });

  it('removing someone who is not a member is 404 Member not found', async () => {
    const res = await as('owner')(REMOVE_MEMBER, { i: { tenantSlug: 'alpha', email: 'outsider@example.com' } });
    expect(res.errors?.[0]).toMatchObject({ message: 'Member not found', extensions: { code: 'MEMBER_NOT_FOUND' } });
  });
});
