import { startTestApp, type TestApp } from '../../helpers/app';
import { engine } from '../../helpers/db';
import { decodeJwt, graphql, lastCodeFor, mailCount, post, setCookies } from '../../helpers/auth';
import { seedShop, signup } from '../../helpers/customers';
import { seedNode, seedPlan, seedTenant } from '../../helpers/seed';

describe(`public signup (${engine})`, () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
    await seedShop(t, 'acme', 10);
  });
  afterAll(() => t.close());

  const count = async (table: string) => Number((await t.db(table).count({ n: '*' }))[0].n);

  it('creates a pending customer on a shared node with its site, and mails a code', async () => {
    const res = await signup(t, 'acme', 'Owner@Widgets.example.com', 'Acme Widgets, Inc.');
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(Object.keys(body)).toEqual(['customer_id', 'message', 'site_url']);
    expect(body.message).toBe('Check your email to get started');
    expect(body.site_url).toBe('https://acme-widgets-inc.sites.acme.example.com');
    const customer = await t.db('customers').where({ id: body.customer_id }).first();
    expect(customer).toMatchObject({ email: 'Owner@widgets.example.com', company_name: 'Acme Widgets, Inc.', status: 'pending' });
    const instance = await t.db('instances').where({ customer_id: body.customer_id }).first();
    expect(instance.slug).toBe('acme-widgets-inc');
    expect((await t.db('shared_nodes').first('used')).used).toBe(1);
    expect(await lastCodeFor(t, 'Owner@widgets.example.com')).toMatch(/^\d{6}$/);
  });

  it('signing up again while pending re-sends a code (after a minute) and answers the same, with no second placement', async () => {
    const first = await signup(t, 'acme', 'again@example.com', 'Again Co');
    t.clock.advance(61_000);
    const second = await signup(t, 'acme', 'AGAIN@example.com', 'Something Else');
    expect(second.statusCode).toBe(200);
    expect(second.body).toBe(first.body);
    expect(await mailCount(t, 'again@example.com')).toBe(2);
    expect(await t.db('instances').whereIn('customer_id', [first.json().customer_id]).count({ n: '*' })).toEqual([{ n: engine === 'postgres' ? '1' : 1 }]);
  });

  it('answers 404 for an unknown tenant and 400 for an unknown or inactive plan', async () => {
    const noTenant = await signup(t, 'nope', 'x@example.com');
    expect(noTenant.statusCode).toBe(404);
    expect(noTenant.body).toBe('{"detail":"Tenant not found"}');
    for (const plan of ['enterprise', 'old']) {
      const res = await post(t, '/v1/public/signup', { company_name: 'X', email: 'x@example.com', plan, tenant_slug: 'acme' });
      expect(res.statusCode).toBe(400);
      expect(res.body).toBe('{"detail":"Unknown plan"}');
    }
  });

  it('verify activates the customer and answers portal tokens and cookies', async () => {
    const res = await signup(t, 'acme', 'verify@example.com', 'Verify Co');
    const code = await lastCodeFor(t, 'verify@example.com');
    const wrong = await post(t, '/v1/public/signup/verify', { code: code === '000000' ? '111111' : '000000', email: 'verify@example.com', tenant_slug: 'acme' });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.body).toBe('{"detail":"Invalid or expired code"}');
    const ok = await post(t, '/v1/public/signup/verify', { code, email: 'verify@example.com', tenant_slug: 'acme' });
    expect(ok.statusCode).toBe(200);
    const tokens = ok.json();
    expect(Object.keys(tokens)).toEqual(['access_token', 'customer_id', 'expires_in', 'refresh_token', 'tenant_id', 'token_type']);
    expect(tokens).toMatchObject({ customer_id: res.json().customer_id, expires_in: 3600, token_type: 'bearer' });
    expect(decodeJwt(tokens.access_token)).toMatchObject({ sub: tokens.customer_id, tid: tokens.tenant_id, typ: 'customer' });
    expect(setCookies(ok)).toEqual([
      `portal_access_token=${tokens.access_token}; HttpOnly; Max-Age=3600; Path=/; SameSite=lax`,
      `portal_refresh_token=${tokens.refresh_token}; HttpOnly; Max-Age=2592000; Path=/v1; SameSite=lax`,
    ]);
    expect((await t.db('customers').where({ id: tokens.customer_id }).first('status')).status).toBe('active');
    // The code is spent, and an active customer cannot "verify signup" again.
    expect((await post(t, '/v1/public/signup/verify', { code, email: 'verify@example.com', tenant_slug: 'acme' })).statusCode).toBe(400);
  });

  it('an active customer signing up again gets 409', async () => {
    const res = await signup(t, 'acme', 'verify@example.com');
    expect(res.statusCode).toBe(409);
    expect(res.body).toBe('{"detail":"An account with this email already exists"}');
  });

  it('with no capacity left answers 503 and leaves nothing behind', async () => {
    await seedShop(t, 'full', 0);
    const before = { customers: await count('customers'), instances: await count('instances'), mail: await count('mail_outbox'), codes: await count('one_time_codes') };
    const res = await signup(t, 'full', 'late@example.com');
    expect(res.statusCode).toBe(503);
    expect(res.body).toBe('{"detail":"No shared hosting capacity available"}');
    expect({ customers: await count('customers'), instances: await count('instances'), mail: await count('mail_outbox'), codes: await count('one_time_codes') }).toEqual(before);
  });

  it("falls back to the global pool when the tenant's nodes are full", async () => {
    await seedTenant(t, 'pooled');
    await seedPlan(t, { tenantSlug: 'pooled', name: 'starter', price: '1' });
    await seedNode(t, { hostname: 'global-1.example.com', baseDomain: 'shared.example.com', capacity: 1 });
    const res = await signup(t, 'pooled', 'pool@example.com', 'Pool');
    expect(res.json().site_url).toBe('https://pool.shared.example.com');
  });

  it('is the signup mutation over GraphQL', async () => {
    const result = await graphql(t, 'mutation($i: SignupInput!) { signup(input: $i) { message siteUrl } }', {
      i: { companyName: 'Graph Co', email: 'graph@example.com', tenantSlug: 'acme' },
    });
    expect(result.data?.signup).toEqual({ message: 'Check your email to get started', siteUrl: 'https://graph-co.sites.acme.example.com' });
    const bad = await graphql(t, 'mutation($i: SignupInput!) { signup(input: $i) { message } }', { i: { companyName: 'X', email: 'y@example.com', tenantSlug: 'acme', plan: 'nope' } });
    expect(bad.errors?.[0]).toMatchObject({ message: 'Unknown plan', extensions: { code: 'UNKNOWN_PLAN' } });
    const verify = 'mutation($i: CustomerCodeInput!) { signupVerify(input: $i) { tokenType expiresIn } }';
    const wrong = await graphql(t, verify, { i: { code: '12345x', email: 'graph@example.com', tenantSlug: 'acme' } });
    expect(wrong.errors?.[0].extensions.code).toBe('INVALID_CODE');
    const verified = await graphql(t, verify, { i: { code: await lastCodeFor(t, 'graph@example.com'), email: 'graph@example.com', tenantSlug: 'acme' } });
    expect(verified.data?.signupVerify).toEqual({ tokenType: 'bearer', expiresIn: 3600 });
  });
});
