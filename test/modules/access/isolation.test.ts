import { startTestApp, type TestApp } from '../../helpers/app';
import { engine } from '../../helpers/db';
import { bearer, graphql, lastCodeFor, post, verifiedOperator, type Pair } from '../../helpers/auth';
import { activeCustomer, seedShop, signup, type CustomerTokensBody } from '../../helpers/customers';

/** Tenant A's operator and customer reach nothing of tenant B (CONTRACT: 404 / 401, never B's data). */
describe(`tenant isolation and customer administration (${engine})`, () => {
  let t: TestApp;
  let ownerA: Pair;
  let customerA: CustomerTokensBody;
  let customerB: CustomerTokensBody;

  const asOwner = (query: string, variables: Record<string, unknown> = {}) => graphql(t, query, variables, bearer(ownerA.access_token));

  beforeAll(async () => {
    t = await startTestApp();
    await seedShop(t, 'alpha');
    await seedShop(t, 'bravo');
    ownerA = await verifiedOperator(t, 'owner-a@example.com');
    const user = await t.db('users').where({ email_lower: 'owner-a@example.com' }).first('id');
    const alpha = await t.db('tenants').where({ slug: 'alpha' }).first('id');
    await t.db('tenant_members').insert({ tenant_id: alpha.id, user_id: user.id, role: 'owner', created_at: new Date().toISOString() });
    customerA = await activeCustomer(t, 'alpha', 'a1@example.com', 'Alpha One');
    customerB = await activeCustomer(t, 'bravo', 'b1@example.com', 'Bravo One');
  });
  afterAll(() => t.close());

  it("the owner lists their tenant's customers, a page at a time, newest first", async () => {
    for (let i = 2; i <= 5; i += 1) {
      t.clock.advance(1000);
      await signup(t, 'alpha', `a${i}@example.com`, `Alpha ${i}`);
    }
    const first = await asOwner('query($i: CustomerListInput!) { customers(input: $i) { nodes { email status siteUrl } endCursor hasNextPage } }', { i: { tenantSlug: 'alpha', first: 2 } });
    expect(first.data?.customers.nodes.map((c: { email: string }) => c.email)).toEqual(['a5@example.com', 'a4@example.com']);
    expect(first.data?.customers.hasNextPage).toBe(true);
    const seen = [...first.data?.customers.nodes.map((c: { email: string }) => c.email)];
    let cursor = first.data?.customers.endCursor;
    for (;;) {
      const page = await asOwner('query($i: CustomerListInput!) { customers(input: $i) { nodes { email } endCursor hasNextPage } }', { i: { tenantSlug: 'alpha', first: 2, after: cursor } });
      seen.push(...page.data?.customers.nodes.map((c: { email: string }) => c.email));
      if (!page.data?.customers.hasNextPage) break;
      cursor = page.data?.customers.endCursor;
    }
    expect(seen).toEqual(['a5@example.com', 'a4@example.com', 'a3@example.com', 'a2@example.com', 'a1@example.com']);
    const active = await asOwner('{ customers(input: { tenantSlug: "alpha", status: "active" }) { nodes { email siteUrl } } }');
    expect(active.data?.customers.nodes).toEqual([{ email: 'a1@example.com', siteUrl: 'https://alpha-one.sites.alpha.example.com' }]);
  });

  it("cannot list, read or suspend tenant B's customers: not found, never B's data", async () => {
    const list = await asOwner('{ customers(input: { tenantSlug: "bravo" }) { nodes { email } } }');
    expect(list.errors?.[0]).toMatchObject({ message: 'Tenant not found', extensions: { code: 'TENANT_NOT_FOUND' } });
    const read = await asOwner('query($id: ID!) { customer(id: $id) { email } }', { id: customerB.customer_id });
    expect(read.errors?.[0]).toMatchObject({ message: 'Customer not found', extensions: { code: 'CUSTOMER_NOT_FOUND' } });
    const suspend = await asOwner('mutation($id: ID!) { suspendCustomer(id: $id) { status } }', { id: customerB.customer_id });
    expect(suspend.errors?.[0].extensions.code).toBe('CUSTOMER_NOT_FOUND');
    for (const query of ['{ members(tenantSlug: "bravo") { email } }', '{ instances(tenantSlug: "bravo") { slug } }', '{ plans(tenantSlug: "bravo") { name } }', 'mutation { createPlan(input: { tenantSlug: "bravo", name: "x", price: "1" }) { id } }']) {
      expect((await asOwner(query)).errors?.[0].extensions.code).toBe('TENANT_NOT_FOUND');
    }
    expect(JSON.stringify(list) + JSON.stringify(read)).not.toContain('b1@example.com');
  });

  it("a customer token reaches only its own data, and none of the operators' operations", async () => {
    const me = await graphql(t, '{ portalMe { email tenantId } }', {}, bearer(customerA.access_token));
    expect(me.data?.portalMe).toEqual({ email: 'a1@example.com', tenantId: customerA.tenant_id });
    const admin = await graphql(t, '{ customers(input: { tenantSlug: "alpha" }) { nodes { email } } }', {}, bearer(customerA.access_token));
    expect(admin.errors?.[0]).toMatchObject({ message: "This operation needs an operator's access token", extensions: { code: 'OPERATOR_TOKEN_REQUIRED', expected: ['operator', 'apiKey'] } });
    const rest = await t.app.inject({ method: 'GET', url: '/auth/me', headers: bearer(customerA.access_token) });
    expect(rest.statusCode).toBe(401);
  });

  it('suspending a customer ends their sessions: no code, refresh and token fail', async () => {
    const victim = await activeCustomer(t, 'alpha', 'sus@example.com', 'Sus Co');
    const result = await asOwner('mutation($id: ID!) { suspendCustomer(id: $id) { status email } }', { id: victim.customer_id });
    expect(result.data?.suspendCustomer).toEqual({ status: 'suspended', email: 'sus@example.com' });
    expect((await post(t, '/v1/customer-auth/refresh', { refresh_token: victim.refresh_token })).statusCode).toBe(401);
    expect((await graphql(t, '{ portalMe { email } }', {}, bearer(victim.access_token))).errors?.[0].extensions.code).toBe('INVALID_TOKEN');
    t.clock.advance(61_000);
    const codeBefore = await lastCodeFor(t, 'sus@example.com');
    expect((await post(t, '/v1/customer-auth/login', { email: 'sus@example.com', tenant_slug: 'alpha' })).body).toBe('{}');
    expect(await lastCodeFor(t, 'sus@example.com')).toBe(codeBefore); // no new mail
  });

  it("the owner sees their tenant's plans, instances and nodes, and only those", async () => {
    const plans = await asOwner('{ plans(tenantSlug: "alpha") { name active } }');
    expect(plans.data?.plans).toEqual([
      { name: 'old', active: false },
      { name: 'starter', active: true },
      { name: 'pro', active: true },
    ]);
    const instances = await asOwner('{ instances(tenantSlug: "alpha") { slug siteUrl } }');
    expect(instances.data?.instances[0]).toEqual({ slug: 'alpha-2', siteUrl: 'https://alpha-2.sites.alpha.example.com' });
    const nodes = await asOwner('{ sharedNodes { hostname capacity used free } }');
    expect(nodes.data?.sharedNodes.map((n: { hostname: string }) => n.hostname)).toEqual(['n1.alpha.example.com']);
  });

  it('owners manage members; members of other tenants stay invisible', async () => {
    await verifiedOperator(t, 'helper@example.com');
    const added = await asOwner('mutation { setMember(input: { tenantSlug: "alpha", email: "helper@example.com", role: admin }) { email role } }');
    expect(added.data?.setMember).toEqual({ email: 'helper@example.com', role: 'admin' });
    const members = await asOwner('{ members(tenantSlug: "alpha") { email role } }');
    expect(members.data?.members).toEqual([
      { email: 'helper@example.com', role: 'admin' },
      { email: 'owner-a@example.com', role: 'owner' },
    ]);
  });
});
