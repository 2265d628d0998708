import { startTestApp, type TestApp } from '../../helpers/app';
import { bearer, graphql, registerOperator, verifiedOperator } from '../../helpers/auth';
import { engine } from '../../helpers/db';

const PROMOTE = 'mutation($email: String!) { promoteAdmin(input: { email: $email }) { email emailVerified isAdmin } }';
const ADMINS = '{ admins { email emailVerified isAdmin createdAt } }';

/** `promoteAdmin` and `admins` (what `hydracore admin promote` / `admin list` run): platform admins only. */
describe(`platform administrators (${engine})`, () => {
  let t: TestApp;
  let root: Record<string, string>;
  let ada: Record<string, string>;

  beforeAll(async () => {
    t = await startTestApp();
    root = bearer((await verifiedOperator(t, 'root@example.com')).access_token);
    await t.db('users').where({ email_lower: 'root@example.com' }).update({ is_admin: true });
    ada = bearer((await verifiedOperator(t, 'Ada@example.com')).access_token);
    await registerOperator(t, 'unverified@example.com');
  });
  afterAll(() => t.close());

  it('are refused to anonymous callers and to operators who are not platform admins', async () => {
    for (const [query, variables] of [[PROMOTE, { email: 'ada@example.com' }], [ADMINS, {}]] as const) {
      expect((await graphql(t, query, variables)).errors?.[0].extensions.code).toBe('NOT_AUTHENTICATED');
      expect((await graphql(t, query, variables, ada)).errors?.[0].extensions.code).toBe('FORBIDDEN');
    }
    const self = await graphql(t, PROMOTE, { email: 'ada@example.com' }, ada);
    expect(self.errors?.[0].extensions.code).toBe('FORBIDDEN');
    expect(Boolean((await t.db('users').where({ email_lower: 'ada@example.com' }).first('is_admin')).is_admin)).toBe(false);
  });

  it('promotes an existing operator (found case-insensitively) at once, with one audit event', async () => {
    expect((await graphql(t, '{ tenants { slug } }', {}, ada)).errors?.[0].extensions.code).toBe('FORBIDDEN');
    const promoted = await graphql(t, PROMOTE, { email: 'ADA@example.com' }, root);
    expect(promoted).toEqual({ data: { promoteAdmin: { email: 'Ada@example.com', emailVerified: true, isAdmin: true } } });
    // Ada's existing token now administers: the flag is read on every request (no stale cache).
    expect(await graphql(t, '{ tenants { slug } }', {}, ada)).toEqual({ data: { tenants: [] } });

    expect((await graphql(t, PROMOTE, { email: 'ada@example.com' }, root)).data?.promoteAdmin.isAdmin).toBe(true);
    const events = await t.db('audit_events').where({ action: 'admin.promoted' }).select('actor_kind', 'target_kind', 'tenant_id');
    expect(events).toEqual([{ actor_kind: 'user', target_kind: 'user', tenant_id: null }]);
  });

  it('an unknown address is USER_NOT_FOUND; an invalid one is BAD_USER_INPUT', async () => {
    expect((await graphql(t, PROMOTE, { email: 'nobody@example.com' }, root)).errors?.[0].extensions.code).toBe('USER_NOT_FOUND');
    const invalid = await graphql(t, PROMOTE, { email: 'not-an-address' }, root);
    expect(invalid.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', detail: [{ type: 'value_error', loc: ['input', 'email'] }] });
  });

  it('a promoted operator whose email is not verified cannot act as an admin until they verify it', async () => {
    const promoted = await graphql(t, PROMOTE, { email: 'unverified@example.com' }, root);
    expect(promoted.data?.promoteAdmin).toEqual({ email: 'unverified@example.com', emailVerified: false, isAdmin: true });
    const login = await t.app.inject({ method: 'POST', url: '/auth/login', payload: { email: 'unverified@example.com', password: 'correct horse battery staple' } });
    const res = await graphql(t, '{ tenants { slug } }', {}, bearer(login.json().access_token));
    expect(res.errors?.[0].extensions.code).toBe('EMAIL_NOT_VERIFIED');
  });

  it('lists the platform admins by address', async () => {
    const res = await graphql(t, ADMINS, {}, root);
    expect(res.data?.admins.map((a: { email: string; isAdmin: boolean }) => [a.email, a.isAdmin])).toEqual([
      ['Ada@example.com', true],
      ['root@example.com', true],
      ['unverified@example.com', true],
    ]);
    expect(res.data?.admins[0].createdAt).toMatch(/^\d{4}-\d\d-\d\dT/);
  });
});
