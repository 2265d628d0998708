import { CREATE_API_KEY } from '../../../src/cli/operations';
import { startTestApp, type TestApp } from '../../helpers/app';
import { engine } from '../../helpers/db';
import { bearer, graphql, verifiedOperator } from '../../helpers/auth';
import { activeCustomer, seedShop, type CustomerTokensBody } from '../../helpers/customers';
import { asPlatform } from '../../helpers/seed';

describe(`PINs: status, lockout, sessions and policies (${engine})`, () => {
  let t: TestApp;
  let customer: CustomerTokensBody;
  let instance: string;
  let key: string;

  const admin = () => ({ 'x-api-key': key });
  const json = (method: 'POST' | 'PATCH', url: string, payload: unknown, headers: Record<string, string>) =>
    t.app.inject({ method, url, payload: JSON.stringify(payload), headers: { 'content-type': 'application/json', ...headers } });
  const confirm = (pin: string, skill = 'deploy') => json('POST', `/v1/instances/${instance}/pin/confirm`, { pin, skill }, bearer(customer.access_token));
  const status = () => t.app.inject({ method: 'GET', url: `/v1/customers/${customer.customer_id}/pin`, headers: admin() });

  beforeAll(async () => {
    t = await startTestApp();
    await seedShop(t, 'alpha');
    customer = await activeCustomer(t, 'alpha', 'pin@example.com', 'Pin Co');
    instance = (await t.db('instances').where({ customer_id: customer.customer_id }).first('id')).id;
    key = (await asPlatform<{ createApiKey: { key: string } }>(t, CREATE_API_KEY, { input: { tenantSlug: 'alpha', name: 'tests' } })).createApiKey.key;
  });
  afterAll(() => t.close());

  it('shows no PIN, then sets one (argon2id) and answers the legacy PinStatus', async () => {
    const before = await status();
    expect(before.body).toBe('{"created_at":null,"has_pin":false,"is_active":false,"is_locked":false,"locked_until":null}');
    const set = await json('POST', `/v1/customers/${customer.customer_id}/pin`, { pin: '1234' }, admin());
    expect(set.statusCode).toBe(200);
    expect(set.body).toBe('{"created_at":"2026-11-21T12:00:00Z","has_pin":true,"is_active":true,"is_locked":false,"locked_until":null}');
    expect((await t.db('pins').first('pin_hash')).pin_hash).toMatch(/^\$argon2id\$/);
    const mine = await t.app.inject({ method: 'GET', url: '/v1/me/pin', headers: bearer(customer.access_token) });
    expect(mine.json().has_pin).toBe(true);
  });

  it('validates the PIN and the policy patch as FastAPI would', async () => {
    const bad = await json('POST', `/v1/customers/${customer.customer_id}/pin`, { pin: '12ab' }, admin());
    expect(bad.statusCode).toBe(422);
    expect(bad.json().detail[0]).toMatchObject({ type: 'string_pattern_mismatch', loc: ['body', 'pin'], ctx: { pattern: '^\\d{4,8}$' } });
    const policy = await json('PATCH', `/v1/instances/${instance}/pin-policy`, { pin_applies_to: 'nobody', pin_session_ttl_minutes: 0 }, admin());
    expect(policy.json().detail.map((d: { type: string }) => d.type)).toEqual(['enum', 'greater_than_equal']);
    const notUuid = await t.app.inject({ method: 'GET', url: '/v1/instances/not-a-uuid/pin-policy', headers: admin() });
    expect(notUuid.json().detail[0]).toMatchObject({ type: 'uuid_parsing', loc: ['path', 'instance_id'] });
  });

  it('policies have defaults and change only the given fields', async () => {
    const get = () => t.app.inject({ method: 'GET', url: `/v1/instances/${instance}/pin-policy`, headers: bearer(customer.access_token) });
    expect((await get()).body).toBe(`{"instance_id":"${instance}","pin_applies_to":"all","pin_required_skills":[],"pin_session_ttl_minutes":30}`);
    const patched = await json('PATCH', `/v1/instances/${instance}/pin-policy`, { pin_required_skills: ['deploy', 'delete-site'] }, admin());
    expect(patched.body).toBe(`{"instance_id":"${instance}","pin_applies_to":"all","pin_required_skills":["deploy","delete-site"],"pin_session_ttl_minutes":30}`);
    await json('PATCH', `/v1/instances/${instance}/pin-policy`, { pin_session_ttl_minutes: 10 }, admin());
    expect((await get()).json()).toMatchObject({ pin_required_skills: ['deploy', 'delete-site'], pin_session_ttl_minutes: 10 });
  });

  it('a skill the policy does not name needs no PIN', async () => {
    expect((await confirm('0000', 'restart')).body).toBe('{"confirmed":true,"expires_at":null,"required":false}');
  });

  it('20 parallel wrong PINs: exactly 5 are counted, then the PIN locks for 15 minutes', async () => {
    const results = await Promise.all(Array.from({ length: 20 }, () => confirm('9999')));
    const statuses = results.map((r) => r.statusCode);
    expect(statuses.filter((s) => s === 400)).toHaveLength(5);
    expect(statuses.filter((s) => s === 423)).toHaveLength(15);
    expect(results.find((r) => r.statusCode === 400)?.body).toBe('{"detail":"Invalid PIN"}');
    expect(results.find((r) => r.statusCode === 423)?.body).toBe('{"detail":"PIN locked"}');
    expect((await t.db('pins').first('failed_attempts')).failed_attempts).toBe(5);
    const locked = (await status()).json();
    expect(locked).toMatchObject({ has_pin: true, is_active: false, is_locked: true, locked_until: '2026-11-21T12:15:00Z' });

    // The right PIN is refused while locked...
    expect((await confirm('1234')).statusCode).toBe(423);
    // ...and works after 15 minutes, resetting the count.
    t.clock.advance(15 * 60_000);
    const ok = await confirm('1234');
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toEqual({ confirmed: true, expires_at: '2026-11-21T12:25:00Z', required: true });
    expect((await t.db('pins').first('failed_attempts')).failed_attempts).toBe(0);
    expect((await status()).json().is_locked).toBe(false);
  });

  it('a right PIN resets the count of wrong ones in a row', async () => {
    for (let i = 0; i < 4; i += 1) expect((await confirm('9999')).statusCode).toBe(400);
    expect((await confirm('1234')).statusCode).toBe(200);
    for (let i = 0; i < 4; i += 1) expect((await confirm('9999')).statusCode).toBe(400);
    expect((await confirm('1234')).statusCode).toBe(200);
  });

  it('setting the PIN again clears a lockout', async () => {
    for (let i = 0; i < 5; i += 1) await confirm('9999');
    expect((await confirm('1234')).statusCode).toBe(423);
    await json('POST', `/v1/customers/${customer.customer_id}/pin`, { pin: '1234' }, admin());
    expect((await confirm('1234')).statusCode).toBe(200);
  });

  it('a PIN session spares the PIN for the policy TTL; policy changes apply at once', async () => {
    const requirement = async () =>
      (await graphql(t, 'query($id: ID!) { pinRequirement(instanceId: $id, skill: "deploy") { policyRequires pinNeededNow } }', { id: instance }, bearer(customer.access_token))).data?.pinRequirement;
    t.clock.advance(11 * 60_000); // earlier sessions (10-minute TTL) are over
    expect(await requirement()).toEqual({ policyRequires: true, pinNeededNow: true });
    await confirm('1234');
    expect(await requirement()).toEqual({ policyRequires: true, pinNeededNow: false });
    t.clock.advance(10 * 60_000 + 1000); // the policy TTL is 10 minutes
    expect(await requirement()).toEqual({ policyRequires: true, pinNeededNow: true });
    await confirm('1234');
    await json('PATCH', `/v1/instances/${instance}/pin-policy`, { pin_session_ttl_minutes: 1 }, admin());
    t.clock.advance(61_000);
    expect(await requirement()).toEqual({ policyRequires: true, pinNeededNow: true });
    await json('PATCH', `/v1/instances/${instance}/pin-policy`, { pin_required_skills: ['delete-site'] }, admin());
    expect(await requirement()).toEqual({ policyRequires: false, pinNeededNow: false });
    await json('PATCH', `/v1/instances/${instance}/pin-policy`, { pin_required_skills: ['deploy'], pin_applies_to: 'owner' }, admin());
    expect(await requirement()).toEqual({ policyRequires: false, pinNeededNow: false }); // customers are not the owner side
  });

  it('operators confirm with their own PIN when the policy applies to the owner side', async () => {
    const operator = await verifiedOperator(t, 'op@example.com');
    const user = await t.db('users').where({ email_lower: 'op@example.com' }).first('id');
    const tenant = await t.db('tenants').where({ slug: 'alpha' }).first('id');
    await t.db('tenant_members').insert({ tenant_id: tenant.id, user_id: user.id, role: 'owner', created_at: new Date().toISOString() });
    const confirmAsOperator = (pin: string) => json('POST', `/v1/instances/${instance}/pin/confirm`, { pin, skill: 'deploy' }, bearer(operator.access_token));
    expect((await confirmAsOperator('5555')).body).toBe('{"detail":"PIN not set"}');
    await graphql(t, 'mutation { setMyPin(input: { pin: "5555" }) { hasPin } }', {}, bearer(operator.access_token));
    expect((await confirmAsOperator('5555')).json()).toMatchObject({ confirmed: true, required: true });
    const mine = await t.app.inject({ method: 'GET', url: '/v1/me/pin', headers: bearer(operator.access_token) });
    expect(mine.json().has_pin).toBe(true);
  });

  it('removing a PIN: 204, then 404 PIN not set', async () => {
    const remove = () => t.app.inject({ method: 'DELETE', url: `/v1/customers/${customer.customer_id}/pin`, headers: admin() });
    const first = await remove();
    expect(first.statusCode).toBe(204);
    expect(first.body).toBe('');
    const second = await remove();
    expect(second.statusCode).toBe(404);
    expect(second.body).toBe('{"detail":"PIN not set"}');
  });

  it('is reachable as customerPin / setCustomerPin / confirmPin over GraphQL', async () => {
    const set = await graphql(t, 'mutation($id: ID!) { setCustomerPin(customerId: $id, input: { pin: "4321" }) { hasPin isActive } }', { id: customer.customer_id }, admin());
    expect(set.data?.setCustomerPin).toEqual({ hasPin: true, isActive: true });
    const wrong = await graphql(t, 'mutation($id: ID!) { confirmPin(instanceId: $id, input: { pin: "0000", skill: "deploy" }) { confirmed } }', { id: instance }, bearer(customer.access_token));
    expect(wrong.errors).toBeUndefined(); // the policy now applies to the owner side only
  });
});
