import { getNamedType, isInputObjectType, type GraphQLField, type GraphQLSchema } from 'graphql';
import { CREATE_API_KEY } from '../../src/cli/operations';
import { buildGatewaySchema } from '../../src/graphql/schema';
import { startTestApp, type TestApp } from '../helpers/app';
import { bearer, graphql, verifiedOperator } from '../helpers/auth';
import { activeCustomer, seedShop } from '../helpers/customers';
import { engine } from '../helpers/db';
import { asPlatform } from '../helpers/seed';

/**
 * Tenant access is one rule (src/db/tenant-scope.ts) with one answer (docs/security.md, "Not
 * yours vs not allowed"): whoever stands nowhere in the tenant is told the resource does not
 * exist (its own 404); a plain member, who knows the tenant, is told they may not (403). This
 * runs every operation on a tenant's data as each kind of caller, so a resolver that decides
 * differently fails here.
 */
interface Operation {
  name: string;
  /** The root field (every tenant-scoped root field must appear in the table). */
  field: string;
  query: string;
  variables: () => Record<string, unknown>;
  /** What a caller outside the tenant is told. */
  notFound: string;
  /** May a plain member do it? (Reading an instance's PIN policy and confirming PINs: yes.) */
  memberMay?: boolean;
  /** Do the tenant's API keys reach it? (Keys manage neither keys nor people.) */
  keys?: boolean;
}

describe(`one answer for "not yours" and "not allowed" (${engine})`, () => {
  let t: TestApp;
  const as = new Map<string, Record<string, string>>();
  const ids = { customer: '', instance: '', key: '', webhook: '', delivery: '' };

  const operations: Operation[] = [
    { name: 'list plans', field: 'plans', query: '{ plans(tenantSlug: "alpha") { name } }', variables: () => ({}), notFound: 'TENANT_NOT_FOUND', keys: true },
    { name: 'list instances', field: 'instances', query: '{ instances(tenantSlug: "alpha") { slug } }', variables: () => ({}), notFound: 'TENANT_NOT_FOUND', keys: true },
    { name: 'list members', field: 'members', query: '{ members(tenantSlug: "alpha") { email } }', variables: () => ({}), notFound: 'TENANT_NOT_FOUND', keys: true },
    { name: 'list customers', field: 'customers', query: '{ customers(input: { tenantSlug: "alpha" }) { nodes { email } } }', variables: () => ({}), notFound: 'TENANT_NOT_FOUND', keys: true },
    { name: 'list API keys', field: 'apiKeys', query: '{ apiKeys(tenantSlug: "alpha") { name } }', variables: () => ({}), notFound: 'TENANT_NOT_FOUND' },
    { name: 'read audit events', field: 'auditEvents', query: '{ auditEvents(input: { tenantSlug: "alpha" }) { action } }', variables: () => ({}), notFound: 'TENANT_NOT_FOUND', keys: true },
    { name: 'create a plan', field: 'createPlan', query: 'mutation { createPlan(input: { tenantSlug: "alpha", name: "x", price: "1" }) { id } }', variables: () => ({}), notFound: 'TENANT_NOT_FOUND', keys: true },
    { name: 'add a node', field: 'addSharedNode', query: 'mutation { addSharedNode(input: { tenantSlug: "alpha", hostname: "x.example.com", baseDomain: "x.example.com", capacity: 1 }) { id } }', variables: () => ({}), notFound: 'TENANT_NOT_FOUND', keys: true },
    { name: 'create an instance', field: 'createInstance', query: 'mutation { createInstance(input: { tenantSlug: "alpha", slug: "x" }) { id } }', variables: () => ({}), notFound: 'TENANT_NOT_FOUND', keys: true },
    { name: 'create an API key', field: 'createApiKey', query: 'mutation { createApiKey(input: { tenantSlug: "alpha", name: "x" }) { key } }', variables: () => ({}), notFound: 'TENANT_NOT_FOUND' },
    { name: 'set a member', field: 'setMember', query: 'mutation { setMember(input: { tenantSlug: "alpha", email: "owner@example.com", role: member }) { role } }', variables: () => ({}), notFound: 'TENANT_NOT_FOUND' },
    { name: 'read the mail layout', field: 'mailLayout', query: '{ mailLayout(tenantSlug: "alpha") { from } }', variables: () => ({}), notFound: 'TENANT_NOT_FOUND' },
    { name: 'update the mail layout', field: 'updateMailLayout', query: 'mutation { updateMailLayout(input: { tenantSlug: "alpha", senderName: "Alpha", primaryColor: "#112233" }) { from } }', variables: () => ({}), notFound: 'TENANT_NOT_FOUND' },
    { name: 'remove a member', field: 'removeMember', query: 'mutation { removeMember(input: { tenantSlug: "alpha", email: "owner@example.com" }) }', variables: () => ({}), notFound: 'TENANT_NOT_FOUND' },
    { name: 'read a customer', field: 'customer', query: 'query($id: ID!) { customer(id: $id) { email } }', variables: () => ({ id: ids.customer }), notFound: 'CUSTOMER_NOT_FOUND', keys: true },
    { name: 'suspend a customer', field: 'suspendCustomer', query: 'mutation($id: ID!) { suspendCustomer(id: $id) { status } }', variables: () => ({ id: ids.customer }), notFound: 'CUSTOMER_NOT_FOUND', keys: true },
    { name: 'lift a suspension', field: 'unsuspendCustomer', query: 'mutation($id: ID!) { unsuspendCustomer(id: $id) { status } }', variables: () => ({ id: ids.customer }), notFound: 'CUSTOMER_NOT_FOUND', keys: true },
    { name: "read a customer's PIN", field: 'customerPin', query: 'query($id: ID!) { customerPin(customerId: $id) { hasPin } }', variables: () => ({ id: ids.customer }), notFound: 'CUSTOMER_NOT_FOUND', keys: true },
    { name: "set a customer's PIN", field: 'setCustomerPin', query: 'mutation($id: ID!) { setCustomerPin(customerId: $id, input: { pin: "1234" }) { hasPin } }', variables: () => ({ id: ids.customer }), notFound: 'CUSTOMER_NOT_FOUND', keys: true },
    { name: "remove a customer's PIN", field: 'removeCustomerPin', query: 'mutation($id: ID!) { removeCustomerPin(customerId: $id) }', variables: () => ({ id: ids.customer }), notFound: 'CUSTOMER_NOT_FOUND', keys: true },
    { name: 'change a PIN policy', field: 'updatePinPolicy', query: 'mutation($id: ID!) { updatePinPolicy(instanceId: $id, input: { pinSessionTtlMinutes: 5 }) { pinSessionTtlMinutes } }', variables: () => ({ id: ids.instance }), notFound: 'INSTANCE_NOT_FOUND', keys: true },
    { name: 'read a PIN policy', field: 'pinPolicy', query: 'query($id: ID!) { pinPolicy(instanceId: $id) { pinSessionTtlMinutes } }', variables: () => ({ id: ids.instance }), notFound: 'INSTANCE_NOT_FOUND', memberMay: true, keys: true },
    { name: 'ask whether a PIN is needed', field: 'pinRequirement', query: 'query($id: ID!) { pinRequirement(instanceId: $id, skill: "deploy") { pinNeededNow } }', variables: () => ({ id: ids.instance }), notFound: 'INSTANCE_NOT_FOUND', memberMay: true },
    { name: 'confirm a PIN', field: 'confirmPin', query: 'mutation($id: ID!) { confirmPin(instanceId: $id, input: { pin: "1234", skill: "deploy" }) { confirmed } }', variables: () => ({ id: ids.instance }), notFound: 'INSTANCE_NOT_FOUND', memberMay: true },
    { name: 'revoke an API key', field: 'revokeApiKey', query: 'mutation($id: ID!) { revokeApiKey(id: $id) { revokedAt } }', variables: () => ({ id: ids.key }), notFound: 'API_KEY_NOT_FOUND' },
    { name: 'list webhooks', field: 'webhooks', query: '{ webhooks(tenantSlug: "alpha") { url } }', variables: () => ({}), notFound: 'TENANT_NOT_FOUND', keys: true },
    { name: 'create a webhook', field: 'createWebhook', query: 'mutation { createWebhook(input: { tenantSlug: "alpha", url: "https://93.184.215.14/hook", events: ["customer.verified"] }) { id } }', variables: () => ({}), notFound: 'TENANT_NOT_FOUND', keys: true },
    { name: 'change a webhook', field: 'updateWebhook', query: 'mutation($id: ID!) { updateWebhook(id: $id, input: { description: "x" }) { id } }', variables: () => ({ id: ids.webhook }), notFound: 'WEBHOOK_NOT_FOUND', keys: true },
    { name: "read a webhook's deliveries", field: 'webhookDeliveries', query: 'query($id: ID!) { webhookDeliveries(id: $id) { id } }', variables: () => ({ id: ids.webhook }), notFound: 'WEBHOOK_NOT_FOUND', keys: true },
    { name: 'redeliver a webhook', field: 'redeliverWebhook', query: 'mutation($id: ID!) { redeliverWebhook(deliveryId: $id) { id } }', variables: () => ({ id: ids.delivery }), notFound: 'WEBHOOK_DELIVERY_NOT_FOUND', keys: true },
    { name: "rotate a webhook's secret", field: 'rotateWebhookSecret', query: 'mutation($id: ID!) { rotateWebhookSecret(id: $id) { secret } }', variables: () => ({ id: ids.webhook }), notFound: 'WEBHOOK_NOT_FOUND', keys: true },
    // Last: the owner's run deletes it.
    { name: 'delete a webhook', field: 'deleteWebhook', query: 'mutation($id: ID!) { deleteWebhook(id: $id) }', variables: () => ({ id: ids.webhook }), notFound: 'WEBHOOK_NOT_FOUND', keys: true },
  ];

  beforeAll(async () => {
    t = await startTestApp();
    await seedShop(t, 'alpha');
    await seedShop(t, 'bravo');
    for (const who of ['owner', 'member', 'outsider']) as.set(who, bearer((await verifiedOperator(t, `${who}@example.com`)).access_token));
    const tenants = Object.fromEntries((await t.db('tenants').select('id', 'slug')).map((r: { id: string; slug: string }) => [r.slug, r.id]));
    for (const [who, slug, role] of [['owner', 'alpha', 'owner'], ['member', 'alpha', 'member'], ['outsider', 'bravo', 'owner']]) {
      const user = await t.db('users').where({ email_lower: `${who}@example.com` }).first('id');
      await t.db('tenant_members').insert({ tenant_id: tenants[slug], user_id: user.id, role, created_at: new Date().toISOString() });
    }
    const bravoKey = await asPlatform<{ createApiKey: { key: string } }>(t, CREATE_API_KEY, { input: { tenantSlug: 'bravo', name: 'bravo' } });
    as.set('bravo key', { 'x-api-key': bravoKey.createApiKey.key });
    const alphaKey = await asPlatform<{ createApiKey: { apiKey: { id: string } } }>(t, 'mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { apiKey { id } } }', { input: { tenantSlug: 'alpha', name: 'alpha' } });
    ids.key = alphaKey.createApiKey.apiKey.id;
    const hook = await asPlatform<{ createWebhook: { id: string } }>(t, 'mutation { createWebhook(input: { tenantSlug: "alpha", url: "https://93.184.215.14/hook", events: ["customer.signed_up"] }) { id } }');
    ids.webhook = hook.createWebhook.id;
    ids.customer = (await activeCustomer(t, 'alpha', 'c@example.com')).customer_id;
    ids.delivery = (await t.db('webhook_deliveries').where({ endpoint_id: ids.webhook }).first('id')).id;
    ids.instance = (await t.db('instances').where({ customer_id: ids.customer }).first('id')).id;
  });
  afterAll(() => t.close());

  const codeOf = async (who: string, op: Operation) => (await graphql(t, op.query, op.variables(), as.get(who))).errors?.[0]?.extensions?.code;

  it('covers every root field that takes a tenant, customer, instance or key', () => {
    const schema: GraphQLSchema = buildGatewaySchema();
    const scoped = (field: GraphQLField<unknown, unknown>) =>
      field.args.some((arg) => {
        if (['tenantSlug', 'customerId', 'instanceId', 'id'].includes(arg.name)) return true;
        const type = getNamedType(arg.type);
        return isInputObjectType(type) && 'tenantSlug' in type.getFields();
      });
    const fields = [...Object.values(schema.getQueryType()!.getFields()), ...Object.values(schema.getMutationType()!.getFields())];
    // Public by design: a tenant's price list and the customer sign-in and signup flows.
    const publicFields = new Set(['publicPlans', 'signup', 'signupVerify', 'customerLogin', 'customerVerify']);
    // The caller's own things, in no tenant: another person's id is not found (tested with them:
    // test/modules/passkeys, test/modules/sessions).
    const ownFields = new Set(['removePasskey', 'revokeSession', 'revokePortalSession']);
    const tested = new Set(operations.map((op) => op.field));
    expect(fields.filter(scoped).map((f) => f.name).filter((name) => !publicFields.has(name) && !ownFields.has(name) && !tested.has(name))).toEqual([]);
  });

  it.each(operations)('$name: another tenant\'s operator is told it does not exist', async (op) => {
    expect(await codeOf('outsider', op)).toBe(op.notFound);
  });

  it.each(operations.filter((op) => op.keys))('$name: another tenant\'s API key is told it does not exist', async (op) => {
    expect(await codeOf('bravo key', op)).toBe(op.notFound);
  });

  it.each(operations)('$name: a plain member of the tenant is refused (403) unless members may', async (op) => {
    const code = await codeOf('member', op);
    if (op.memberMay) expect(code === undefined || code === 'PIN_NOT_SET' || code === 'INVALID_PIN').toBe(true);
    else expect(code).toBe('FORBIDDEN');
  });

  it('the owner reaches all of it (the refusals above are about standing, not a broken request)', async () => {
    for (const op of operations.filter((o) => !['setMember', 'removeMember', 'revokeApiKey', 'confirmPin', 'suspendCustomer'].includes(o.field))) {
      expect([op.name, await codeOf('owner', op)]).toEqual([op.name, undefined]);
    }
  });

  it('REST answers the same: 404 for the other tenant, 403 "Not enough permissions" for a member', async () => {
    const routes = [
      { method: 'GET' as const, url: () => `/v1/customers/${ids.customer}/pin`, notFound: 'Customer not found' },
      { method: 'POST' as const, url: () => `/v1/customers/${ids.customer}/pin`, payload: { pin: '1234' }, notFound: 'Customer not found' },
      { method: 'DELETE' as const, url: () => `/v1/customers/${ids.customer}/pin`, notFound: 'Customer not found' },
      { method: 'PATCH' as const, url: () => `/v1/instances/${ids.instance}/pin-policy`, payload: {}, notFound: 'Instance not found' },
    ];
    for (const route of routes) {
      for (const [who, status, detail] of [['outsider', 404, route.notFound], ['bravo key', 404, route.notFound], ['member', 403, 'Not enough permissions']] as const) {
        const res = await t.app.inject({ method: route.method, url: route.url(), payload: route.payload, headers: as.get(who) });
        expect([route.method, route.url(), who, res.statusCode, res.body]).toEqual([route.method, route.url(), who, status, JSON.stringify({ detail })]);
      }
    }
  });
});
