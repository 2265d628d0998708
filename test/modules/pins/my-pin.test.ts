import { startTestApp, type TestApp } from '../../helpers/app';
import { bearer, graphql, PASSWORD, post, verifiedOperator } from '../../helpers/auth';
import { seedShop } from '../../helpers/customers';
import { engine } from '../../helpers/db';

const SET = 'mutation($i: SetMyPinInput!) { setMyPin(input: $i) { hasPin isLocked } }';
const REMOVE = 'mutation($i: RemoveMyPinInput!) { removeMyPin(input: $i) }';

/**
 * Issue 12, item 2: with the access token alone, an operator's PIN could be replaced (and a
 * lockout cleared). Replacing or removing an existing PIN needs the account password; a wrong
 * one counts as a failed login for the address.
 */
describe(`an operator's own PIN (${engine})`, () => {
  let t: TestApp;
  let token: Record<string, string>;
  let instance: string;
  const as = (query: string, variables: Record<string, unknown>) => graphql(t, query, variables, token);

  beforeAll(async () => {
    t = await startTestApp();
    await seedShop(t, 'alpha');
    token = bearer((await verifiedOperator(t, 'op@example.com')).access_token);
    const user = await t.db('users').where({ email_lower: 'op@example.com' }).first('id');
    const tenant = await t.db('tenants').where({ slug: 'alpha' }).first('id');
    await t.db('tenant_members').insert({ tenant_id: tenant.id, user_id: user.id, role: 'owner', created_at: new Date().toISOString() });
    const created = await as('mutation { createInstance(input: { tenantSlug: "alpha", slug: "shop" }) { id } }', {});
    instance = created.data?.createInstance.id;
    await as('mutation($id: ID!) { updatePinPolicy(instanceId: $id, input: { pinRequiredSkills: ["deploy"] }) { instanceId } }', { id: instance });
  });
  afterAll(() => t.close());

  it('the first PIN needs only a verified session', async () => {
    expect((await as(SET, { i: { pin: '1234' } })).data?.setMyPin).toEqual({ hasPin: true, isLocked: false });
  });

  it('replacing a PIN without the password is refused, and the lockout stays', async () => {
    for (let i = 0; i < 5; i += 1) {
      await t.app.inject({ method: 'POST', url: `/v1/instances/${instance}/pin/confirm`, payload: { pin: '0000', skill: 'deploy' }, headers: token });
    }
    const locked = await t.app.inject({ method: 'POST', url: `/v1/instances/${instance}/pin/confirm`, payload: { pin: '1234', skill: 'deploy' }, headers: token });
    expect(locked.statusCode).toBe(423);

    const bare = await as(SET, { i: { pin: '9999' } });
    expect(bare.errors?.[0]).toMatchObject({ message: 'Current password required', extensions: { code: 'CURRENT_PASSWORD_REQUIRED' } });
    const wrong = await as(SET, { i: { pin: '9999', currentPassword: 'not the password' } });
    expect(wrong.errors?.[0]).toMatchObject({ message: 'Invalid password', extensions: { code: 'INVALID_CURRENT_PASSWORD' } });
    const status = await t.app.inject({ method: 'GET', url: '/v1/me/pin', headers: token });
    expect(status.json()).toMatchObject({ has_pin: true, is_locked: true });
  });

  it('with the password the PIN is replaced and the lock cleared', async () => {
    expect((await as(SET, { i: { pin: '9999', currentPassword: PASSWORD } })).data?.setMyPin).toEqual({ hasPin: true, isLocked: false });
    const confirmed = await t.app.inject({ method: 'POST', url: `/v1/instances/${instance}/pin/confirm`, payload: { pin: '9999', skill: 'deploy' }, headers: token });
    expect(confirmed.json()).toMatchObject({ confirmed: true });
  });

  it('a wrong password counts as a failed login for the address: the login lock closes both doors', async () => {
    await t.app.inject({ method: 'POST', url: '/v1/instances/' + instance + '/pin/confirm', payload: { pin: '9999', skill: 'deploy' }, headers: token });
    let lastCode: string | undefined;
    // One wrong password was spent above: nine more make the ten of the login lock.
    for (let i = 0; i < 9; i += 1) {
      const wrong = await as(SET, { i: { pin: '4444', currentPassword: `guess-${i}` } });
      lastCode = wrong.errors?.[0].extensions.code;
    }
    expect(lastCode).toBe('INVALID_CURRENT_PASSWORD');
    // The address has 10 failures: login with the right password is now 429, and so is the PIN door.
    const login = await post(t, '/auth/login', { email: 'op@example.com', password: PASSWORD });
    expect(login.statusCode).toBe(429);
    expect(login.body).toBe('{"detail":"Too many requests"}');
    const eleventh = await as(SET, { i: { pin: '4444', currentPassword: PASSWORD } });
    expect(eleventh.errors?.[0].extensions.code).toBe('RATE_LIMITED');
    t.clock.advance(15 * 60_000 + 1000);
  });

  it('removing the PIN needs the password; aliases cannot try several passwords in one request', async () => {
    const aliased = await as(
      `mutation($a: RemoveMyPinInput!, $b: RemoveMyPinInput!) { a: removeMyPin(input: $a) b: removeMyPin(input: $b) }`,
      { a: { currentPassword: 'guess-a' }, b: { currentPassword: 'guess-b' } },
    );
    expect(aliased.errors?.[0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
    const wrong = await as(REMOVE, { i: { currentPassword: 'nope' } });
    expect(wrong.errors?.[0].extensions.code).toBe('INVALID_CURRENT_PASSWORD');
    expect((await as(REMOVE, { i: { currentPassword: PASSWORD } })).data?.removeMyPin).toBe(true);
    expect((await as(REMOVE, { i: { currentPassword: PASSWORD } })).errors?.[0].extensions.code).toBe('PIN_NOT_SET');
    // With no PIN left, setting one is again a first PIN.
    expect((await as(SET, { i: { pin: '2468' } })).data?.setMyPin.hasPin).toBe(true);
  });
});
