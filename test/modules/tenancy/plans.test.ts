import { startTestApp, type TestApp } from '../../helpers/app';
import { engine } from '../../helpers/db';
import { CREATE_PLAN } from '../../../src/cli/operations';
import { asPlatform, seedPlan, seedTenant } from '../../helpers/seed';

describe(`public plans (${engine})`, () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
    await seedTenant(t, 'acme');
    await seedTenant(t, 'other');
    await seedPlan(t, { tenantSlug: 'acme', name: 'pro', price: '29.99', description: 'Bigger', features: ['5 sites', 'Backups'], displayOrder: 2 });
    await seedPlan(t, { tenantSlug: 'acme', name: 'starter', price: '9.99', description: 'Small', features: ['1 site'], displayOrder: 1 });
    await seedPlan(t, { tenantSlug: 'acme', name: 'legacy', price: '1.00', displayOrder: 0, active: false });
    await seedPlan(t, { tenantSlug: 'other', name: 'elsewhere', price: '5.00' });
  });
  afterAll(() => t.close());

  it("lists a tenant's active plans in display order, byte for byte", async () => {
    const res = await t.app.inject({ method: 'GET', url: '/v1/public/signup/plans/acme' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/json');
    expect(res.body).toBe(
      '[{"description":"Small","features":["1 site"],"name":"starter","price":"9.99"},' +
        '{"description":"Bigger","features":["5 sites","Backups"],"name":"pro","price":"29.99"}]',
    );
  });

  it('answers 404 Tenant not found for an unknown tenant', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/v1/public/signup/plans/nope' });
    expect(res.statusCode).toBe(404);
    expect(res.body).toBe('{"detail":"Tenant not found"}');
  });

  it('lists an empty array for a tenant without active plans', async () => {
    await seedTenant(t, 'empty');
    const res = await t.app.inject({ method: 'GET', url: '/v1/public/signup/plans/empty' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe('[]');
  });

  it('answers HEAD like GET without a body', async () => {
    const res = await t.app.inject({ method: 'HEAD', url: '/v1/public/signup/plans/acme' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe('');
  });

  it('serves the same capability over GraphQL (POST)', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/graphql',
      payload: { query: 'query($s: String!) { publicPlans(tenantSlug: $s) { name price features } }', variables: { s: 'acme' } },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      data: { publicPlans: [{ name: 'starter', price: '9.99', features: ['1 site'] }, { name: 'pro', price: '29.99', features: ['5 sites', 'Backups'] }] },
    });
  });

  it('serves queries over GET /graphql', async () => {
    const query = encodeURIComponent('{ publicPlans(tenantSlug: "other") { name } }');
    const res = await t.app.inject({ method: 'GET', url: `/graphql?query=${query}`, headers: { 'apollo-require-preflight': 'true' } });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ data: { publicPlans: [{ name: 'elsewhere' }] } });
  });

  it('reports an unknown tenant over GraphQL with its error code', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/graphql', payload: { query: '{ publicPlans(tenantSlug: "nope") { name } }' } });
    const body = res.json();
    expect(body.data).toBeNull();
    expect(body.errors[0].message).toBe('Tenant not found');
    expect(body.errors[0].extensions.code).toBe('TENANT_NOT_FOUND');
  });

  it('refuses admin mutations to anonymous /graphql callers', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/graphql',
      payload: { query: 'mutation { createTenant(input: { slug: "x", name: "X" }) { id } }' },
    });
    const body = res.json();
    expect(body.errors[0].extensions.code).toBe('NOT_AUTHENTICATED');
    expect(body.errors[0].message).toBe('Not authenticated');
  });

  it('takes a price as a plain amount with at most two decimals, and refuses anything else by the same rule everywhere', async () => {
    for (const [name, price] of [['ten', '10'], ['nine', '9.9'], ['free', '0']]) {
      await expect(asPlatform(t, CREATE_PLAN, { input: { tenantSlug: 'other', name, price } })).resolves.toMatchObject({ createPlan: { price } });
    }
    for (const price of ['abc', '9.999', '-1', '1e3', '$5', '5.', '.5', ' 5', '5,00']) {
      await expect(asPlatform(t, CREATE_PLAN, { input: { tenantSlug: 'other', name: 'bad', price } })).rejects.toMatchObject({
        code: 'BAD_USER_INPUT',
        detail: [{ type: 'string_pattern_mismatch', loc: ['input', 'price'], input: price }],
      });
    }
  });
});
