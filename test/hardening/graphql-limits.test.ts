import { startTestApp, type TestApp } from '../helpers/app';
import { engine } from '../helpers/db';

describe(`GraphQL abuse limits (${engine})`, () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ GRAPHQL_MAX_DEPTH: '2', GRAPHQL_MAX_ALIASES: '3' });
  });
  afterAll(() => t.close());

  const gql = (payload: unknown, headers: Record<string, string> = {}) =>
    t.app.inject({ method: 'POST', url: '/graphql', payload: JSON.stringify(payload), headers: { 'content-type': 'application/json', ...headers } });
  const firstError = async (query: string) => (await gql({ query })).json().errors?.[0];

  it('refuses operations deeper than the limit', async () => {
    const error = await firstError('{ me { tenants { id } } }');
    expect(error.extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(error.message).toMatch(/depth/i);
  });

  it('refuses too many aliases', async () => {
    const fields = ['a', 'b', 'c', 'd'].map((alias) => `${alias}: publicPlans(tenantSlug: "x") { name }`).join(' ');
    const error = await firstError(`{ ${fields} }`);
    expect(error.message).toMatch(/aliases/i);
  });

  it('allows at most one credential-checking field per operation, also through fragments', async () => {
    const login = 'login(input: { email: "a@example.com", password: "x" }) { tokenType }';
    const verify = 'verifyEmail(input: { email: "a@example.com", code: "123456" }) { tokenType }';
    for (const query of [`mutation { ${login} ${verify} }`, `mutation { ...F ${verify} } fragment F on Mutation { ${login} }`]) {
      const errors: Array<{ message: string; extensions: { code: string } }> = (await gql({ query })).json().errors;
      expect(errors.every((e) => e.extensions.code === 'GRAPHQL_VALIDATION_FAILED')).toBe(true);
      expect(errors.map((e) => e.message)).toContain('At most one credential check (login, token, code or PIN) per operation; this one has 2.');
    }
  });

  it('refuses batched HTTP requests', async () => {
    const res = await gql([{ query: '{ __typename }' }, { query: '{ __typename }' }]);
    expect(res.statusCode).toBe(400);
  });

  it('refuses requests a browser could send cross-site without a preflight (CSRF)', async () => {
    const text = await t.app.inject({ method: 'POST', url: '/graphql', payload: '{"query":"{ __typename }"}', headers: { 'content-type': 'text/plain' } });
    expect(text.statusCode).toBe(400);
    const get = await t.app.inject({ method: 'GET', url: '/graphql?query=%7B__typename%7D' });
    expect(get.statusCode).toBe(400);
    expect(get.body).toMatch(/CSRF/);
    const allowed = await t.app.inject({ method: 'GET', url: '/graphql?query=%7B__typename%7D', headers: { 'apollo-require-preflight': 'true' } });
    expect(allowed.json()).toEqual({ data: { __typename: 'Query' } });
  });

  it('never sends stack traces', async () => {
    const res = await gql({ query: '{ publicPlans(tenantSlug: 1) { name } }' });
    expect(JSON.stringify(res.json())).not.toMatch(/stacktrace|    at /);
  });

  it('turns introspection and field suggestions off (the production default)', async () => {
    const prod = await startTestApp({ GRAPHQL_INTROSPECTION: 'false', GRAPHQL_FIELD_SUGGESTIONS: 'false' });
    try {
      const introspection = await prod.app.inject({ method: 'POST', url: '/graphql', payload: { query: '{ __schema { types { name } } }' } });
      expect(introspection.json().errors[0].message).toMatch(/introspection/i);
      const typo = await prod.app.inject({ method: 'POST', url: '/graphql', payload: { query: '{ publicPlan(tenantSlug: "x") { name } }' } });
      expect(typo.json().errors[0].message).not.toMatch(/Did you mean/);
    } finally {
      await prod.close();
    }
    const typo = await gql({ query: '{ publicPlan(tenantSlug: "x") { name } }' });
    expect(typo.json().errors[0].message).toMatch(/Did you mean "publicPlans"/);
  });
});
