import { CREATE_API_KEY } from '../../../src/cli/operations';
import { startTestApp, type TestApp } from '../../helpers/app';
import { engine } from '../../helpers/db';
import { bearer, graphql, verifiedOperator } from '../../helpers/auth';
import { activeCustomer, seedShop, type CustomerTokensBody } from '../../helpers/customers';
import { asPlatform } from '../../helpers/seed';

describe(`tenant API keys (${engine})`, () => {
  let t: TestApp;
  let customer: CustomerTokensBody;
  let key: string;

  const admin = () => ({ 'x-api-key': key });

  beforeAll(async () => {
    t = await startTestApp();
    await seedShop(t, 'alpha');
    customer = await activeCustomer(t, 'alpha', 'keys-customer@example.com', 'Key Co');
    key = (await asPlatform<{ createApiKey: { key: string } }>(t, CREATE_API_KEY, { input: { tenantSlug: 'alpha', name: 'tests' } })).createApiKey.key;
  });
  afterAll(() => t.close());

  it('API keys: shown once, stored as a hash, listed with a prefix and last use, revocable', async () => {
    const owner = await verifiedOperator(t, 'keys@example.com');
    const user = await t.db('users').where({ email_lower: 'keys@example.com' }).first('id');
    const tenant = await t.db('tenants').where({ slug: 'alpha' }).first('id');
    await t.db('tenant_members').insert({ tenant_id: tenant.id, user_id: user.id, role: 'admin', created_at: new Date().toISOString() });
    const created = await graphql(t, 'mutation { createApiKey(input: { tenantSlug: "alpha", name: "ci" }) { key apiKey { id prefix } } }', {}, bearer(owner.access_token));
    const { key: fresh, apiKey } = created.data?.createApiKey;
    expect(fresh.startsWith(`${apiKey.prefix}_`)).toBe(true);
    expect(await t.db('api_keys').where({ key_hash: fresh }).first()).toBeUndefined();
    expect((await t.app.inject({ method: 'GET', url: `/v1/customers/${customer.customer_id}/pin`, headers: { 'x-api-key': fresh } })).statusCode).toBe(200);
    await t.app.services.hot.lastUse.flush(); // last use is written in batches (src/db/last-use.ts)
    const listed = await graphql(t, '{ apiKeys(tenantSlug: "alpha") { name prefix lastUsedAt revokedAt } }', {}, bearer(owner.access_token));
    expect(listed.data?.apiKeys.find((k: { name: string }) => k.name === 'ci')).toMatchObject({ prefix: apiKey.prefix, revokedAt: null, lastUsedAt: expect.any(String) });
    await graphql(t, 'mutation($id: ID!) { revokeApiKey(id: $id) { revokedAt } }', { id: apiKey.id }, bearer(owner.access_token));
    const after = await t.app.inject({ method: 'GET', url: `/v1/customers/${customer.customer_id}/pin`, headers: { 'x-api-key': fresh } });
    expect(after.statusCode).toBe(401);
    expect(after.body).toBe('{"detail":"Could not validate credentials"}');
    // An API key cannot make more keys: only a person may.
    const byKey = await graphql(t, 'mutation { createApiKey(input: { tenantSlug: "alpha" }) { key } }', {}, admin());
    expect(byKey.errors?.[0].extensions.code).toBe('PERSON_TOKEN_REQUIRED');
    // The X-Api-Key header wins over a Bearer token.
    const both = await t.app.inject({ method: 'GET', url: '/v1/me/pin', headers: { ...bearer(customer.access_token), 'x-api-key': key } });
    expect(both.statusCode).toBe(403);
  });
});
