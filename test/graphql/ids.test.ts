import { getNamedType, GraphQLID } from 'graphql';
import { buildGatewaySchema } from '../../src/graphql/schema';
import { startTestApp, type TestApp } from '../helpers/app';
import { bearer, graphql, verifiedOperator } from '../helpers/auth';
import { activeCustomer, seedShop } from '../helpers/customers';
import { engine } from '../helpers/db';

/**
 * Issue 12, item 6: on PostgreSQL a malformed id reached the database and answered 500 (a
 * customers cursor with a non-UUID id, `revokeApiKey` with 36 hyphens). Every id is checked
 * once, the same on both engines.
 */
describe(`malformed ids (${engine})`, () => {
  let t: TestApp;
  let admin: Record<string, string>;
  let customerId: string;

  beforeAll(async () => {
    t = await startTestApp();
    await seedShop(t, 'alpha');
    admin = bearer((await verifiedOperator(t, 'root@example.com')).access_token);
    await t.db('users').where({ email_lower: 'root@example.com' }).update({ is_admin: true });
    customerId = (await activeCustomer(t, 'alpha', 'c@example.com')).customer_id;
  });
  afterAll(() => t.close());

  const BAD = ['------------------------------------', 'not-a-uuid', "1' or '1'='1", '0000000000000000000000000000000g', ''];
  const CASES: Array<[string, string, Record<string, unknown>]> = [
    ['revokeApiKey', 'mutation($id: ID!) { revokeApiKey(id: $id) { id } }', {}],
    ['customer', 'query($id: ID!) { customer(id: $id) { id } }', {}],
    ['suspendCustomer', 'mutation($id: ID!) { suspendCustomer(id: $id) { id } }', {}],
    ['unsuspendCustomer', 'mutation($id: ID!) { unsuspendCustomer(id: $id) { id } }', {}],
    ['customerPin', 'query($id: ID!) { customerPin(customerId: $id) { hasPin } }', {}],
    ['setCustomerPin', 'mutation($id: ID!) { setCustomerPin(customerId: $id, input: { pin: "1234" }) { hasPin } }', {}],
    ['removeCustomerPin', 'mutation($id: ID!) { removeCustomerPin(customerId: $id) }', {}],
    ['pinPolicy', 'query($id: ID!) { pinPolicy(instanceId: $id) { instanceId } }', {}],
    ['updatePinPolicy', 'mutation($id: ID!) { updatePinPolicy(instanceId: $id, input: {}) { instanceId } }', {}],
    ['revokeSession', 'mutation($id: ID!) { revokeSession(id: $id) }', {}],
    ['removePasskey', 'mutation($id: ID!) { removePasskey(id: $id) }', {}],
    ['updateWebhook', 'mutation($id: ID!) { updateWebhook(id: $id, input: {}) { id } }', {}],
    ['rotateWebhookSecret', 'mutation($id: ID!) { rotateWebhookSecret(id: $id) { secret } }', {}],
    ['deleteWebhook', 'mutation($id: ID!) { deleteWebhook(id: $id) }', {}],
    ['redeliverWebhook', 'mutation($id: ID!) { redeliverWebhook(deliveryId: $id) { id } }', {}],
    ['webhookDeliveries', 'query($id: ID!) { webhookDeliveries(id: $id) { id } }', {}],
  ];

  it('covers every root field that takes an ID', () => {
    const schema = buildGatewaySchema();
    const withIds = [schema.getQueryType(), schema.getMutationType()].flatMap((type) =>
      Object.values(type?.getFields() ?? {})
        .filter((field) => field.args.some((arg) => getNamedType(arg.type) === GraphQLID))
        .map((field) => field.name),
    );
    const covered = new Set([...CASES.map(([name]) => name), 'pinRequirement', 'confirmPin', 'revokePortalSession']);
    expect(withIds.filter((name) => !covered.has(name))).toEqual([]);
  });

  it.each(CASES)('%s: a malformed id is BAD_USER_INPUT naming the argument, never a 500', async (_name, query) => {
    for (const id of BAD) {
      const res = await t.app.inject({ method: 'POST', url: '/graphql', payload: { query, variables: { id } }, headers: admin });
      const body = res.json();
      expect(res.statusCode).toBe(200);
      expect(body.errors?.[0].extensions.code).toBe('BAD_USER_INPUT');
      expect(body.errors?.[0].extensions.detail[0]).toMatchObject({ type: 'uuid_parsing', input: id });
    }
  });

  it('pinRequirement, confirmPin and revokePortalSession (customer callers) refuse a malformed id the same way', async () => {
    const customer = await activeCustomer(t, 'alpha', 'd@example.com');
    const portal = bearer(customer.access_token);
    for (const query of ['query { pinRequirement(instanceId: "nope", skill: "x") { pinNeededNow } }', 'mutation { confirmPin(instanceId: "nope", input: { pin: "1234", skill: "x" }) { confirmed } }']) {
      const res = await graphql(t, query, {}, portal);
      expect(res.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', detail: [{ type: 'uuid_parsing', loc: ['instanceId'] }] });
    }
    const session = await graphql(t, 'mutation { revokePortalSession(id: "nope") }', {}, portal);
    expect(session.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', detail: [{ type: 'uuid_parsing', loc: ['id'] }] });
  });

  it('a well-formed id in any accepted spelling (upper case, no hyphens) finds the resource', async () => {
    for (const id of [customerId.toUpperCase(), customerId.replace(/-/g, '')]) {
      const res = await graphql(t, 'query($id: ID!) { customer(id: $id) { id } }', { id }, admin);
      expect(res.data?.customer.id).toBe(customerId);
    }
    const unknown = await graphql(t, 'query($id: ID!) { customer(id: $id) { id } }', { id: '00000000-0000-4000-8000-000000000000' }, admin);
    expect(unknown.errors?.[0].extensions.code).toBe('CUSTOMER_NOT_FOUND');
  });

  it('a forged customers cursor is BAD_USER_INPUT, not a database error', async () => {
    const forged = [
      Buffer.from('2026-11-21T12:00:00.000Z|not-a-uuid').toString('base64url'),
      Buffer.from('not a date|00000000-0000-4000-8000-000000000000').toString('base64url'),
      Buffer.from('2026-11-21T12:00:00.000Z|00000000-0000-4000-8000-000000000000|x').toString('base64url'),
      '!!!',
    ];
    for (const after of forged) {
      const res = await graphql(t, 'query($i: CustomerListInput!) { customers(input: $i) { nodes { id } } }', { i: { tenantSlug: 'alpha', after } }, admin);
      expect(res.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', detail: [{ type: 'value_error', loc: ['input', 'after'], msg: 'Value error, Invalid cursor' }] });
    }
    const first = await graphql(t, 'query($i: CustomerListInput!) { customers(input: $i) { nodes { id } endCursor } }', { i: { tenantSlug: 'alpha', first: 1 } }, admin);
    const next = await graphql(t, 'query($i: CustomerListInput!) { customers(input: $i) { nodes { id } } }', { i: { tenantSlug: 'alpha', after: first.data?.customers.endCursor } }, admin);
    expect(next.errors).toBeUndefined();
    expect(next.data?.customers.nodes).toHaveLength(1);
  });
});
