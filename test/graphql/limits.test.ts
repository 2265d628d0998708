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
      expect(errors.map((e) => e.message)).toContain('At most one credential check (login, token, code or PIN) or costly mutation (register, signup, mail, PIN) per operation; this one has 2.');
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

/**
 * Regression: a syntax error, and graphql-armor's token limit (which ran as a second parse in
 * Apollo's parsingDidStart hook), answered HTTP 500 GRAPHQL_VALIDATION_FAILED. A request the
 * client got wrong is a 400: parse failures GRAPHQL_PARSE_FAILED, limits and rules
 * GRAPHQL_VALIDATION_FAILED. Only real faults are 5xx.
 */
describe(`parse and validation errors answer 400, never 500 (${engine})`, () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ GRAPHQL_MAX_TOKENS: '50', GRAPHQL_MAX_DEPTH: '2', GRAPHQL_MAX_ALIASES: '1', GRAPHQL_MAX_DIRECTIVES: '1', GRAPHQL_MAX_COST: '5' });
  });
  afterAll(() => t.close());

  const post = (query: string) => t.app.inject({ method: 'POST', url: '/graphql', payload: { query } });
  const expectRefused = async (query: string, code: string, message: RegExp) => {
    const res = await post(query);
    expect(res.statusCode).toBe(400);
    const errors: Array<{ message: string; extensions: { code: string } }> = res.json().errors;
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.every((e) => e.extensions.code === code)).toBe(true);
    expect(errors.map((e) => e.message).join('\n')).toMatch(message);
  };

  it('a syntax error is 400 GRAPHQL_PARSE_FAILED', async () => {
    await expectRefused('{', 'GRAPHQL_PARSE_FAILED', /Syntax Error/);
    await expectRefused('{ me { id }', 'GRAPHQL_PARSE_FAILED', /Syntax Error/);
  });

  it('the token limit (a parse-time limit) is 400 GRAPHQL_PARSE_FAILED', async () => {
    const fields = Array.from({ length: 60 }, () => '__typename').join(' ');
    await expectRefused(`{ ${fields} }`, 'GRAPHQL_PARSE_FAILED', /more th\w+ 50 tokens/);
  });

  it('depth, aliases, directives and cost limits are 400 GRAPHQL_VALIDATION_FAILED', async () => {
    await expectRefused('{ me { tenants { id } } }', 'GRAPHQL_VALIDATION_FAILED', /depth/i);
    await expectRefused('{ a: publicPlans(tenantSlug: "x") { name } b: publicPlans(tenantSlug: "y") { name } }', 'GRAPHQL_VALIDATION_FAILED', /aliases/i);
    await expectRefused('{ __typename @skip(if: false) @include(if: true) }', 'GRAPHQL_VALIDATION_FAILED', /directives/i);
    await expectRefused('{ me { id email createdAt isAdmin emailVerified } }', 'GRAPHQL_VALIDATION_FAILED', /cost/i);
  });

  it('two credential checks in one operation are 400 GRAPHQL_VALIDATION_FAILED', async () => {
    await expectRefused(
      'mutation { login(input: { email: "a@example.com", password: "x" }) { tokenType } token(input: { username: "a@example.com", password: "x" }) { tokenType } }',
      'GRAPHQL_VALIDATION_FAILED',
      /At most one credential check/,
    );
  });

  it('a valid operation under every limit still runs', async () => {
    const res = await post('{ __typename }');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ data: { __typename: 'Query' } });
  });
});
