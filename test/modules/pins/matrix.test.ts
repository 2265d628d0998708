import { CREATE_ADMIN, CREATE_API_KEY } from '../../../src/cli/operations';
import { ERRORS } from '../../../src/lib/errors';
import { startTestApp, type TestApp } from '../../helpers/app';
import { engine } from '../../helpers/db';
import { graphql, post, registerOperator, verifiedOperator } from '../../helpers/auth';
import { activeCustomer, seedShop } from '../../helpers/customers';
import { asPlatform } from '../../helpers/seed';

/**
 * Who may do what with PINs and policies (CONTRACT section 4, PIN issue): every endpoint,
 * over REST and GraphQL, for every kind of caller. Each cell pins the exact status and body;
 * the GraphQL call must fail with the matching error code (or succeed when REST does). Where
 * `/graphql` names the credential needed instead (OT, PT: docs/graphql-errors.md), REST keeps
 * the legacy answer (`LEGACY`).
 */
type Caller =
  | 'none'
  | 'unverified operator'
  | 'platform admin'
  | 'owner of the tenant'
  | 'admin of the tenant'
  | 'plain member'
  | 'admin of another tenant'
  | 'API key of the tenant'
  | 'API key of another tenant'
  | 'revoked API key'
  | 'customer of the tenant'
  | 'customer of another tenant';

type Outcome =
  | 200
  | 204
  | 'NOT_AUTHENTICATED'
  | 'INVALID_TOKEN'
  | 'OPERATOR_TOKEN_REQUIRED'
  | 'PERSON_TOKEN_REQUIRED'
  | 'EMAIL_NOT_VERIFIED'
  | 'FORBIDDEN'
  | 'CUSTOMER_NOT_FOUND'
  | 'INSTANCE_NOT_FOUND';

interface Endpoint {
  name: string;
  rest: (ids: Ids) => { method: 'GET' | 'POST' | 'DELETE' | 'PATCH'; url: string; payload?: unknown };
  graphql: (ids: Ids) => { query: string; variables: Record<string, unknown> };
  /** Rows in the order of CALLERS. */
  outcomes: Outcome[];
}

interface Ids {
  customer: string;
  instance: string;
}

const CALLERS: Caller[] = [
  'none',
  'unverified operator',
  'platform admin',
  'owner of the tenant',
  'admin of the tenant',
  'plain member',
  'admin of another tenant',
  'API key of the tenant',
  'API key of another tenant',
  'revoked API key',
  'customer of the tenant',
  'customer of another tenant',
];

const NA = 'NOT_AUTHENTICATED';
const IT = 'INVALID_TOKEN';
/** A customer's token where an operator's is needed; an API key where only a person may act. */
const OT = 'OPERATOR_TOKEN_REQUIRED';
const PT = 'PERSON_TOKEN_REQUIRED';
const NV = 'EMAIL_NOT_VERIFIED';
const FB = 'FORBIDDEN';
const CN = 'CUSTOMER_NOT_FOUND';
const IN = 'INSTANCE_NOT_FOUND';

const ENDPOINTS: Endpoint[] = [
  {
    name: 'GET /v1/customers/{id}/pin',
    rest: ({ customer }) => ({ method: 'GET', url: `/v1/customers/${customer}/pin` }),
    graphql: ({ customer }) => ({ query: 'query($id: ID!) { customerPin(customerId: $id) { hasPin } }', variables: { id: customer } }),
    outcomes: [NA, NV, 200, 200, 200, FB, CN, 200, CN, IT, OT, OT],
  },
  {
    name: 'POST /v1/customers/{id}/pin',
    rest: ({ customer }) => ({ method: 'POST', url: `/v1/customers/${customer}/pin`, payload: { pin: '2468' } }),
    graphql: ({ customer }) => ({ query: 'mutation($id: ID!) { setCustomerPin(customerId: $id, input: { pin: "2468" }) { hasPin } }', variables: { id: customer } }),
    outcomes: [NA, NV, 200, 200, 200, FB, CN, 200, CN, IT, OT, OT],
  },
  {
    name: 'DELETE /v1/customers/{id}/pin',
    rest: ({ customer }) => ({ method: 'DELETE', url: `/v1/customers/${customer}/pin` }),
    graphql: ({ customer }) => ({ query: 'mutation($id: ID!) { removeCustomerPin(customerId: $id) }', variables: { id: customer } }),
    outcomes: [NA, NV, 204, 204, 204, FB, CN, 204, CN, IT, OT, OT],
  },
  {
    name: 'GET /v1/instances/{id}/pin-policy',
    rest: ({ instance }) => ({ method: 'GET', url: `/v1/instances/${instance}/pin-policy` }),
    graphql: ({ instance }) => ({ query: 'query($id: ID!) { pinPolicy(instanceId: $id) { pinAppliesTo } }', variables: { id: instance } }),
    outcomes: [NA, NV, 200, 200, 200, 200, IN, 200, IN, IT, 200, IN],
  },
  {
    name: 'PATCH /v1/instances/{id}/pin-policy',
    rest: ({ instance }) => ({ method: 'PATCH', url: `/v1/instances/${instance}/pin-policy`, payload: { pin_session_ttl_minutes: 45 } }),
    graphql: ({ instance }) => ({ query: 'mutation($id: ID!) { updatePinPolicy(instanceId: $id, input: { pinSessionTtlMinutes: 45 }) { pinSessionTtlMinutes } }', variables: { id: instance } }),
    outcomes: [NA, NV, 200, 200, 200, FB, IN, 200, IN, IT, OT, OT],
  },
  {
    name: 'GET /v1/me/pin',
    rest: () => ({ method: 'GET', url: '/v1/me/pin' }),
    graphql: () => ({ query: '{ myPin { hasPin } }', variables: {} }),
    outcomes: [NA, NV, 200, 200, 200, 200, 200, PT, PT, IT, 200, 200],
  },
  {
    name: 'POST /v1/instances/{id}/pin/confirm',
    rest: ({ instance }) => ({ method: 'POST', url: `/v1/instances/${instance}/pin/confirm`, payload: { pin: '2468', skill: 'deploy' } }),
    graphql: ({ instance }) => ({ query: 'mutation($id: ID!) { confirmPin(instanceId: $id, input: { pin: "2468", skill: "deploy" }) { confirmed } }', variables: { id: instance } }),
    outcomes: [NA, NV, 200, 200, 200, 200, IN, PT, PT, IT, 200, IN],
  },
];

describe(`PIN authorisation matrix (${engine})`, () => {
  let t: TestApp;
  let ids: Ids;
  const headers = new Map<Caller, Record<string, string>>();

  const member = async (email: string, tenant: string, role: string) => {
    const pair = await verifiedOperator(t, email);
    const user = await t.db('users').where({ email_lower: email }).first('id');
    const row = await t.db('tenants').where({ slug: tenant }).first('id');
    await t.db('tenant_members').insert({ tenant_id: row.id, user_id: user.id, role, created_at: new Date().toISOString() });
    return { authorization: `Bearer ${pair.access_token}` };
  };
  const apiKey = async (tenant: string) => {
    const created = await asPlatform<{ createApiKey: { key: string; apiKey: { id: string } } }>(t, CREATE_API_KEY, { input: { tenantSlug: tenant } });
    return created.createApiKey;
  };

  beforeAll(async () => {
    t = await startTestApp();
    await seedShop(t, 'alpha');
    await seedShop(t, 'bravo');
    const customerA = await activeCustomer(t, 'alpha', 'ca@example.com', 'Customer A');
    const customerB = await activeCustomer(t, 'bravo', 'cb@example.com', 'Customer B');
    ids = { customer: customerA.customer_id, instance: (await t.db('instances').where({ customer_id: customerA.customer_id }).first('id')).id };

    await asPlatform(t, CREATE_ADMIN, { input: { email: 'root@example.com', password: 'the root passphrase' } });
    const root = (await post(t, '/auth/login', { email: 'root@example.com', password: 'the root passphrase' })).json();
    const revoked = await apiKey('alpha');
    await asPlatform(t, 'mutation($id: ID!) { revokeApiKey(id: $id) { revokedAt } }', { id: revoked.apiKey.id });

    headers.set('none', {});
    headers.set('unverified operator', { authorization: `Bearer ${(await registerOperator(t, 'unverified@example.com')).access_token}` });
    headers.set('platform admin', { authorization: `Bearer ${root.access_token}` });
    headers.set('owner of the tenant', await member('owner@example.com', 'alpha', 'owner'));
    headers.set('admin of the tenant', await member('admin@example.com', 'alpha', 'admin'));
    headers.set('plain member', await member('member@example.com', 'alpha', 'member'));
    headers.set('admin of another tenant', await member('other@example.com', 'bravo', 'admin'));
    headers.set('API key of the tenant', { 'x-api-key': (await apiKey('alpha')).key });
    headers.set('API key of another tenant', { 'x-api-key': (await apiKey('bravo')).key });
    headers.set('revoked API key', { 'x-api-key': revoked.key });
    headers.set('customer of the tenant', { authorization: `Bearer ${customerA.access_token}` });
    headers.set('customer of another tenant', { authorization: `Bearer ${customerB.access_token}` });
  });
  afterAll(() => t.close());

  /** The legacy answer REST keeps for the codes only `/graphql` tells apart. */
  const LEGACY: Partial<Record<Outcome, Outcome>> = { [OT]: IT, [PT]: FB };
  const onRest = (outcome: Outcome): Outcome => LEGACY[outcome] ?? outcome;
  const restBody = (outcome: Outcome): string | undefined => {
    const legacy = onRest(outcome);
    return typeof legacy === 'number' ? undefined : JSON.stringify({ detail: ERRORS[legacy].detail });
  };
  const restStatus = (outcome: Outcome): number => {
    const legacy = onRest(outcome);
    return typeof legacy === 'number' ? legacy : ERRORS[legacy].status;
  };
  /** DELETE succeeds only where a PIN exists: give the customer one before each cell. */
  const ensurePin = () => asPlatform(t, 'mutation($id: ID!) { setCustomerPin(customerId: $id, input: { pin: "2468" }) { hasPin } }', { id: ids.customer });

  const cells = ENDPOINTS.flatMap((endpoint) => CALLERS.map((caller, i) => ({ endpoint, caller, outcome: endpoint.outcomes[i] })));

  it('covers every endpoint for every caller', () => {
    expect(cells).toHaveLength(ENDPOINTS.length * CALLERS.length);
    for (const endpoint of ENDPOINTS) expect(endpoint.outcomes).toHaveLength(CALLERS.length);
  });

  it.each(cells.map((c) => [c.endpoint.name, c.caller, c.outcome, c] as const))('%s as %s: %s', async (_name, caller, outcome, { endpoint }) => {
    const request = endpoint.rest(ids);
    if (request.method === 'DELETE') await ensurePin();
    const res = await t.app.inject({
      method: request.method,
      url: request.url,
      headers: { ...(request.payload ? { 'content-type': 'application/json' } : {}), ...headers.get(caller) },
      payload: request.payload === undefined ? undefined : JSON.stringify(request.payload),
    });
    expect(res.statusCode).toBe(restStatus(outcome));
    const body = restBody(outcome);
    if (body !== undefined) expect(res.body).toBe(body);
    if (outcome === NA || onRest(outcome) === IT) expect(res.headers['www-authenticate']).toBe('Bearer');
    else expect(res.headers['www-authenticate']).toBeUndefined();

    if (request.method === 'DELETE') await ensurePin();
    const operation = endpoint.graphql(ids);
    const result = await graphql(t, operation.query, operation.variables, headers.get(caller));
    if (typeof outcome === 'number') expect(result.errors).toBeUndefined();
    else expect(result.errors?.[0].extensions.code).toBe(outcome);
  });
});
