import { CREATE_API_KEY } from '../../../src/cli/operations';
import { WEBHOOK_EVENTS } from '../../../src/modules/webhooks/events';
import { startTestApp, type TestApp } from '../../helpers/app';
import { bearer, graphql, lastCodeFor, verifiedOperator } from '../../helpers/auth';
import { engine } from '../../helpers/db';
import { activeCustomer, seedShop } from '../../helpers/customers';
import { asPlatform } from '../../helpers/seed';

/**
 * Every event type is written to the outbox by the change it reports, for that tenant's
 * endpoints only, and no payload carries a secret (a key, a code, a PIN, a token).
 */
describe(`webhook events (${engine})`, () => {
  let t: TestApp;
  let key: string;
  let endpointId: string;
  let bravoEndpointId: string;

  beforeAll(async () => {
    t = await startTestApp();
    await seedShop(t, 'alpha');
    await seedShop(t, 'bravo');
    key = (await asPlatform<{ createApiKey: { key: string } }>(t, CREATE_API_KEY, { input: { tenantSlug: 'alpha', name: 'hooks' } })).createApiKey.key;
    const create = 'mutation($slug: String!, $events: [String!]!) { createWebhook(input: { tenantSlug: $slug, url: "https://93.184.215.14/hook", events: $events }) { id } }';
    endpointId = (await asPlatform<{ createWebhook: { id: string } }>(t, create, { slug: 'alpha', events: [...WEBHOOK_EVENTS] })).createWebhook.id;
    bravoEndpointId = (await asPlatform<{ createWebhook: { id: string } }>(t, create, { slug: 'bravo', events: [...WEBHOOK_EVENTS] })).createWebhook.id;
  });
  afterAll(() => t.close());

  const payloads = async (endpoint: string) =>
    (await t.db('webhook_deliveries as d').join('webhook_events as e', 'e.id', 'd.event_id').where('d.endpoint_id', endpoint).orderBy('e.created_at').select('e.payload')).map((r: { payload: string }) => JSON.parse(r.payload));

  it('each change writes its event; nothing crosses tenants; no secret in any payload', async () => {
    const secrets: string[] = [key];
    const customer = await activeCustomer(t, 'alpha', 'events@example.com', 'Events Co');
    secrets.push(customer.access_token, customer.refresh_token, await lastCodeFor(t, 'events@example.com'));
    const admin = { 'x-api-key': key };
    const instanceId = (await t.db('instances').where({ customer_id: customer.customer_id }).first('id')).id;

    const created = await asPlatform<{ createApiKey: { key: string; apiKey: { id: string } } }>(t, CREATE_API_KEY, { input: { tenantSlug: 'alpha', name: 'second' } });
    secrets.push(created.createApiKey.key);
    const refused = await graphql(t, 'mutation($id: ID!) { revokeApiKey(id: $id) { id } }', { id: created.createApiKey.apiKey.id }, bearer((await verifiedOperator(t, 'events-admin@example.com')).access_token));
    expect(refused.errors?.[0].extensions.code).toBe('API_KEY_NOT_FOUND');
    // That operator administers nothing: the revocation is refused and writes no event; the platform does it.
    await asPlatform(t, 'mutation($id: ID!) { revokeApiKey(id: $id) { id } }', { id: created.createApiKey.apiKey.id });
    await asPlatform(t, 'mutation { setMember(input: { tenantSlug: "alpha", email: "events-admin@example.com", role: admin }) { role } }');

    await graphql(t, 'mutation($id: ID!) { setCustomerPin(customerId: $id, input: { pin: "2468" }) { hasPin } }', { id: customer.customer_id }, admin);
    secrets.push('2468');
    await graphql(t, 'mutation($id: ID!) { updatePinPolicy(instanceId: $id, input: { pinAppliesTo: customer, pinRequiredSkills: ["deploy"] }) { pinAppliesTo } }', { id: instanceId }, admin);
    for (let i = 0; i < 6; i += 1) await graphql(t, 'mutation($id: ID!) { confirmPin(instanceId: $id, input: { pin: "1357", skill: "deploy" }) { confirmed } }', { id: instanceId }, bearer(customer.access_token));

    const second = await graphql(t, '{ portalSessions { id current } }', {}, bearer(customer.access_token));
    expect(second.errors).toBeUndefined();
    const others = await graphql(t, 'mutation { revokeOtherPortalSessions }', {}, bearer(customer.access_token));
    expect(others.errors).toBeUndefined();
    const sessionId = second.data?.portalSessions.find((s: { current: boolean }) => s.current).id;
    await graphql(t, 'mutation($id: ID!) { revokePortalSession(id: $id) }', { id: sessionId }, bearer(customer.access_token));
    await graphql(t, 'mutation($id: ID!) { suspendCustomer(id: $id) { status } }', { id: customer.customer_id }, admin);

    const events = await payloads(endpointId);
    const types = events.map((e: { type: string }) => e.type);
    expect(types).toEqual(['customer.signed_up', 'customer.verified', 'api_key.created', 'api_key.revoked', 'member.changed', 'pin.policy_changed', 'pin.locked', 'session.revoked', 'customer.suspended']);
    expect(new Set(types)).toEqual(new Set(WEBHOOK_EVENTS));
    expect(events.find((e: { type: string }) => e.type === 'customer.verified').data).toEqual({ customerId: customer.customer_id, email: 'events@example.com', status: 'active' });
    expect(events.find((e: { type: string }) => e.type === 'session.revoked').data).toEqual({ customerId: customer.customer_id, sessionId });
    expect(events.find((e: { type: string }) => e.type === 'pin.policy_changed').data).toMatchObject({ instanceId, pinAppliesTo: 'customer', pinRequiredSkills: ['deploy'] });
    const all = JSON.stringify(await t.db('webhook_events').select('payload'));
    for (const secret of secrets) expect(all).not.toContain(secret);
    // Bravo's endpoint heard nothing of alpha.
    expect(await payloads(bravoEndpointId)).toEqual([]);
  });
});
