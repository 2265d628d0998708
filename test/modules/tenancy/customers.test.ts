import { CREATE_API_KEY } from '../../../src/cli/operations';
import { startTestApp, type TestApp } from '../../helpers/app';
import { bearer, graphql, lastCodeFor, post, verifiedOperator } from '../../helpers/auth';
import { activeCustomer, seedShop, signup } from '../../helpers/customers';
import { engine } from '../../helpers/db';
import { asPlatform } from '../../helpers/seed';

const SUSPEND = 'mutation($id: ID!) { suspendCustomer(id: $id) { email status } }';
const UNSUSPEND = 'mutation($id: ID!) { unsuspendCustomer(id: $id) { email status } }';

/** `suspendCustomer` and `unsuspendCustomer` (`hydracore customer suspend` / `unsuspend`). */
describe(`suspending and reinstating customers (${engine})`, () => {
  let t: TestApp;
  let owner: Record<string, string>;
  let key: Record<string, string>;

  const signIn = async (email: string) => {
    await post(t, '/v1/customer-auth/login', { email, tenant_slug: 'alpha' });
    return post(t, '/v1/customer-auth/verify', { code: await lastCodeFor(t, email), email, tenant_slug: 'alpha' });
  };

  beforeAll(async () => {
    t = await startTestApp();
    await seedShop(t, 'alpha');
    owner = bearer((await verifiedOperator(t, 'owner@example.com')).access_token);
    const user = await t.db('users').where({ email_lower: 'owner@example.com' }).first('id');
    const tenant = await t.db('tenants').where({ slug: 'alpha' }).first('id');
    await t.db('tenant_members').insert({ tenant_id: tenant.id, user_id: user.id, role: 'owner', created_at: new Date().toISOString() });
    key = { 'x-api-key': (await asPlatform<{ createApiKey: { key: string } }>(t, CREATE_API_KEY, { input: { tenantSlug: 'alpha', name: 'ci' } })).createApiKey.key };
  });
  afterAll(() => t.close());

  it('a suspended customer is reinstated as active and can sign in again; the old session stays ended', async () => {
    const customer = await activeCustomer(t, 'alpha', 'ada@example.com');
    expect((await graphql(t, SUSPEND, { id: customer.customer_id }, owner)).data?.suspendCustomer).toEqual({ email: 'ada@example.com', status: 'suspended' });
    expect((await post(t, '/v1/customer-auth/refresh', { refresh_token: customer.refresh_token })).statusCode).toBe(401);

    const lifted = await graphql(t, UNSUSPEND, { id: customer.customer_id }, owner);
    expect(lifted).toEqual({ data: { unsuspendCustomer: { email: 'ada@example.com', status: 'active' } } });
    expect((await t.db('customers').where({ id: customer.customer_id }).first('status')).status).toBe('active');
    expect((await post(t, '/v1/customer-auth/refresh', { refresh_token: customer.refresh_token })).statusCode).toBe(401);
    expect((await signIn('ada@example.com')).statusCode).toBe(200);
  });

  it('a customer suspended before confirming their signup goes back to pending, not active', async () => {
    const pending = (await signup(t, 'alpha', 'pending@example.com')).json().customer_id as string;
    await graphql(t, SUSPEND, { id: pending }, owner);
    expect((await graphql(t, UNSUSPEND, { id: pending }, key)).data?.unsuspendCustomer.status).toBe('pending');
  });

  it('leaves a customer who is not suspended as they are', async () => {
    const customer = await activeCustomer(t, 'alpha', 'bob@example.com');
    const before = await t.db('customers').where({ id: customer.customer_id }).first('status', 'updated_at');
    expect((await graphql(t, UNSUSPEND, { id: customer.customer_id }, owner)).data?.unsuspendCustomer.status).toBe('active');
    expect(await t.db('customers').where({ id: customer.customer_id }).first('status', 'updated_at')).toEqual(before);
    expect((await post(t, '/v1/customer-auth/refresh', { refresh_token: customer.refresh_token })).statusCode).toBe(200);
  });

  it('is refused to anonymous callers and unknown ids are CUSTOMER_NOT_FOUND', async () => {
    const customer = await activeCustomer(t, 'alpha', 'carol@example.com');
    expect((await graphql(t, UNSUSPEND, { id: customer.customer_id })).errors?.[0].extensions.code).toBe('NOT_AUTHENTICATED');
    expect((await graphql(t, UNSUSPEND, { id: '00000000-0000-4000-8000-000000000000' }, owner)).errors?.[0].extensions.code).toBe('CUSTOMER_NOT_FOUND');
  });
});
