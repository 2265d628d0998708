import { CREATE_API_KEY } from '../../../src/cli/operations';
import { startTestApp, type TestApp } from '../../helpers/app';
import { bearer, graphql, verifiedOperator } from '../../helpers/auth';
import { activeCustomer, seedShop } from '../../helpers/customers';
import { engine } from '../../helpers/db';
import { asPlatform } from '../../helpers/seed';

const EVENTS = 'query($i: AuditQueryInput!) { auditEvents(input: $i) { action actorKind actorId targetKind targetId details ip requestId } }';

interface Event {
  action: string;
  actorKind: string;
  actorId: string | null;
  targetKind: string;
  targetId: string;
  /** JSON text. */
  details: string | null;
  ip: string;
  requestId: string;
}

/**
 * The tenant audit log (`auditEvents`): every PIN, key and membership change is recorded with
 * who did it, from where and in which request, and a tenant's admins see only their tenant's.
 */
describe(`audit events (${engine})`, () => {
  let t: TestApp;
  let key: string;
  let owner: Record<string, string>;
  let ownerId: string;
  let customerId: string;
  let customerToken: Record<string, string>;
  let instance: string;

  const json = (method: 'POST' | 'PATCH' | 'DELETE', url: string, payload: unknown, headers: Record<string, string>) =>
    t.app.inject({ method, url, payload: payload === undefined ? undefined : JSON.stringify(payload), headers: { ...(payload === undefined ? {} : { 'content-type': 'application/json' }), ...headers } });
  const events = async (tenantSlug: string, headers: Record<string, string>, first?: number): Promise<Event[]> => {
    const res = await graphql(t, EVENTS, { i: { tenantSlug, ...(first === undefined ? {} : { first }) } }, headers);
    expect(res.errors).toBeUndefined();
    return res.data?.auditEvents;
  };

  beforeAll(async () => {
    t = await startTestApp();
    await seedShop(t, 'alpha');
    await seedShop(t, 'bravo');
    key = (await asPlatform<{ createApiKey: { key: string } }>(t, CREATE_API_KEY, { input: { tenantSlug: 'alpha', name: 'integration' } })).createApiKey.key;
    owner = bearer((await verifiedOperator(t, 'owner@example.com')).access_token);
    ownerId = (await t.db('users').where({ email_lower: 'owner@example.com' }).first('id')).id;
    await verifiedOperator(t, 'helper@example.com');
    const tenant = await t.db('tenants').where({ slug: 'alpha' }).first('id');
    await t.db('tenant_members').insert({ tenant_id: tenant.id, user_id: ownerId, role: 'owner', created_at: new Date().toISOString() });
    const customer = await activeCustomer(t, 'alpha', 'audited@example.com');
    customerId = customer.customer_id;
    customerToken = bearer(customer.access_token);
    instance = (await t.db('instances').where({ customer_id: customerId }).first('id')).id;

    // Each of these writes one event, through the real surface.
    const keyHeaders = { 'x-api-key': key };
    expect((await json('PATCH', `/v1/instances/${instance}/pin-policy`, { pin_required_skills: ['deploy'] }, keyHeaders)).statusCode).toBe(200);
    expect((await json('POST', `/v1/customers/${customerId}/pin`, { pin: '1234' }, keyHeaders)).statusCode).toBe(200);
    for (let i = 0; i < 5; i += 1) await json('POST', `/v1/instances/${instance}/pin/confirm`, { pin: '0000', skill: 'deploy' }, customerToken);
    expect((await json('POST', `/v1/customers/${customerId}/pin`, { pin: '1234' }, keyHeaders)).statusCode).toBe(200);
    expect((await json('POST', `/v1/instances/${instance}/pin/confirm`, { pin: '1234', skill: 'deploy' }, customerToken)).statusCode).toBe(200);
    expect((await json('DELETE', `/v1/customers/${customerId}/pin`, undefined, keyHeaders)).statusCode).toBe(204);
    const created = await graphql(t, 'mutation { createApiKey(input: { tenantSlug: "alpha", name: "ci" }) { apiKey { id } } }', {}, owner);
    await graphql(t, 'mutation($id: ID!) { revokeApiKey(id: $id) { id } }', { id: created.data?.createApiKey.apiKey.id }, owner);
    await graphql(t, 'mutation { setMember(input: { tenantSlug: "alpha", email: "helper@example.com", role: admin }) { role } }', {}, owner);
  });
  afterAll(() => t.close());

  it('records PIN, key and membership changes, newest first', async () => {
    const actions = (await events('alpha', owner)).map((e) => e.action);
    expect(actions).toEqual(['member.changed', 'api_key.revoked', 'api_key.created', 'pin.removed', 'pin.confirmed', 'pin.set', 'pin.locked', 'pin.set', 'api_key.created']);
  });

  it('says who acted, on what, from where and in which request', async () => {
    const all = await events('alpha', { 'x-api-key': key });
    const byAction = new Map(all.map((e) => [e.action, e]));
    expect(byAction.get('pin.set')).toMatchObject({ actorKind: 'api_key', targetKind: 'customer', targetId: customerId, ip: '127.0.0.1' });
    expect(byAction.get('pin.locked')).toMatchObject({ actorKind: 'customer', actorId: customerId, ip: '127.0.0.1' });
    expect(byAction.get('member.changed')).toMatchObject({ actorKind: 'user', actorId: ownerId, targetKind: 'user' });
    expect(JSON.parse(byAction.get('member.changed')?.details as string)).toEqual({ oldRole: null, newRole: 'admin' });
    expect(byAction.get('api_key.revoked')).toMatchObject({ actorKind: 'user', actorId: ownerId, targetKind: 'api_key' });
    // The oldest is the key the platform made in set-up (the CLI's context, no HTTP request).
    expect(all[all.length - 1]).toMatchObject({ action: 'api_key.created', actorKind: 'system' });
    const overHttp = all.slice(0, -1);
    for (const event of overHttp) expect(event.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(new Set(overHttp.map((e) => e.requestId)).size).toBe(overHttp.length);
  });

  it('pages with `first`, and shows a tenant only its own events', async () => {
    expect((await events('alpha', owner, 2)).map((e) => e.action)).toEqual(['member.changed', 'api_key.revoked']);
    const platformAdmin = bearer((await verifiedOperator(t, 'root@example.com')).access_token);
    await t.db('users').where({ email_lower: 'root@example.com' }).update({ is_admin: true });
    expect(await events('bravo', platformAdmin)).toEqual([]);
    const other = await graphql(t, EVENTS, { i: { tenantSlug: 'alpha' } }, customerToken);
    expect(other.errors?.[0].extensions?.code).toBe('OPERATOR_TOKEN_REQUIRED');
  });
});
