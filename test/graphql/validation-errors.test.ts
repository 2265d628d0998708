import { CREATE_API_KEY } from '../../src/cli/operations';
import { startTestApp, type TestApp } from '../helpers/app';
import { bearer, graphql, registerOperator, verifiedOperator } from '../helpers/auth';
import { activeCustomer, seedShop } from '../helpers/customers';
import { engine } from '../helpers/db';
import { asPlatform } from '../helpers/seed';

/**
 * Issue 16, item 2 (docs/graphql-errors.md): `/graphql` tells a frontend what went wrong in
 * its own terms. Validation issues name the argument and the GraphQL fields (`loc`), and
 * credentials of the wrong kind get a code saying which kind is needed; the legacy REST
 * answers for the same requests stay byte for byte what they were.
 */
describe(`GraphQL errors a frontend can act on (${engine})`, () => {
  let t: TestApp;
  let apiKey: Record<string, string>;
  let instanceId: string;
  let customerId: string;
  let customerToken: string;
  let operatorToken: string;

  beforeAll(async () => {
    t = await startTestApp();
    await seedShop(t, 'acme');
    const customer = await activeCustomer(t, 'acme', 'owner@widgets.example.com', 'Widgets');
    customerToken = customer.access_token;
    customerId = customer.customer_id;
    instanceId = (await t.db('instances').where({ customer_id: customer.customer_id }).first('id')).id;
    operatorToken = (await verifiedOperator(t, 'op@example.com')).access_token;
    apiKey = { 'x-api-key': (await asPlatform<{ createApiKey: { key: string } }>(t, CREATE_API_KEY, { input: { tenantSlug: 'acme', name: 'tests' } })).createApiKey.key };
  });
  afterAll(() => t.close());

  const issuesOf = (result: Awaited<ReturnType<typeof graphql>>) => {
    expect(result.errors).toHaveLength(1);
    expect(result.errors?.[0]).toMatchObject({ message: 'Request validation failed', extensions: { code: 'BAD_USER_INPUT' } });
    return result.errors?.[0].extensions.detail as Array<Record<string, unknown>>;
  };

  describe('validation issues are located in GraphQL terms', () => {
    const SIGNUP_LITERAL = 'mutation { signup(input: { companyName: "", email: "ok@example.com", tenantSlug: "acme" }) { customerId } }';
    const SIGNUP_VARIABLE = 'mutation($details: SignupInput!) { signup(input: $details) { customerId } }';
    const companyNameTooShort = { type: 'string_too_short', loc: ['input', 'companyName'], msg: 'String should have at least 1 character', input: '', ctx: { min_length: 1 } };

    it('a literal argument: the argument, then the camelCase field (the rest of the issue as pydantic words it)', async () => {
      expect(issuesOf(await graphql(t, SIGNUP_LITERAL))).toEqual([companyNameTooShort]);
    });

    it('a variable: the same issue, named by the argument, not by the variable', async () => {
      const result = await graphql(t, SIGNUP_VARIABLE, { details: { companyName: '', email: 'ok@example.com', tenantSlug: 'acme' } });
      expect(issuesOf(result)).toEqual([companyNameTooShort]);
      expect(result.errors?.[0].path).toEqual(['signup']);
    });

    it('list items by index, every failing field at once, in declaration order', async () => {
      const result = await graphql(
        t,
        'mutation($id: ID!, $policy: PinPolicyPatchInput!) { updatePinPolicy(instanceId: $id, input: $policy) { instanceId } }',
        { id: instanceId, policy: { pinRequiredSkills: ['deploy', '', 'x'.repeat(101)], pinSessionTtlMinutes: 0 } },
        apiKey,
      );
      expect(issuesOf(result).map((issue) => [issue.type, issue.loc])).toEqual([
        ['string_too_short', ['input', 'pinRequiredSkills', 1]],
        ['string_too_long', ['input', 'pinRequiredSkills', 2]],
        ['greater_than_equal', ['input', 'pinSessionTtlMinutes']],
      ]);
    });

    it('a list that is too long is located at the list', async () => {
      const skills = Array.from({ length: 101 }, (_, i) => `s${i}`);
      const result = await graphql(t, `mutation { updatePinPolicy(instanceId: "${instanceId}", input: { pinRequiredSkills: ${JSON.stringify(skills)} }) { instanceId } }`, {}, apiKey);
      expect(issuesOf(result)).toEqual([
        {
          type: 'too_long',
          loc: ['input', 'pinRequiredSkills'],
          msg: 'List should have at most 100 items after validation, not 101',
          input: skills,
          ctx: { field_type: 'List', max_length: 100, actual_length: 101 },
        },
      ]);
    });

    it('an ID argument: uuid_parsing located at the argument', async () => {
      const result = await graphql(t, 'mutation { updatePinPolicy(instanceId: "not-a-uuid", input: {}) { instanceId } }', {}, apiKey);
      const [issue] = issuesOf(result);
      expect(issue).toMatchObject({ type: 'uuid_parsing', loc: ['instanceId'], input: 'not-a-uuid' });
      expect(issue.msg).toMatch(/^Input should be a valid UUID, /);
    });

    it('a forged customer-list cursor: value_error located at input.after', async () => {
      const result = await graphql(t, 'query($i: CustomerListInput!) { customers(input: $i) { hasNextPage } }', { i: { tenantSlug: 'acme', after: 'forged' } }, apiKey);
      expect(issuesOf(result)).toEqual([{ type: 'value_error', loc: ['input', 'after'], msg: 'Value error, Invalid cursor', input: 'forged', ctx: { error: {} } }]);
    });

    it('an over-long HTTP Basic username: REST keeps the FastAPI bytes, /graphql names the field', async () => {
      const email = 'a'.repeat(1025);
      const res = await t.app.inject({ method: 'POST', url: '/auth/token', headers: { authorization: `Basic ${Buffer.from(`${email}:pw`).toString('base64')}` } });
      expect(res.statusCode).toBe(422);
      expect(res.headers['content-type']).toBe('application/json');
      expect(res.body).toBe(
        `{"detail":[{"type":"string_too_long","loc":["body","email"],"msg":"String should have at most 1024 characters","input":"${email}","ctx":{"max_length":1024}}]}`,
      );

      const result = await graphql(t, 'mutation($i: TokenCredentialsInput!) { token(input: $i) { accessToken } }', { i: { email, password: 'pw' } });
      expect(issuesOf(result)).toEqual([{ type: 'string_too_long', loc: ['input', 'email'], msg: 'String should have at most 1024 characters', input: email, ctx: { max_length: 1024 } }]);
    });

    it('REST bodies keep FastAPI locations (snake_case under "body")', async () => {
      const res = await t.app.inject({
        method: 'PATCH',
        url: `/v1/instances/${instanceId}/pin-policy`,
        payload: JSON.stringify({ pin_required_skills: ['deploy', ''] }),
        headers: { 'content-type': 'application/json', ...apiKey },
      });
      expect(res.statusCode).toBe(422);
      expect(res.body).toBe(
        '{"detail":[{"type":"string_too_short","loc":["body","pin_required_skills",1],"msg":"String should have at least 1 character","input":"","ctx":{"min_length":1}}]}',
      );
    });
  });

  describe('credentials of the wrong kind say which kind is needed', () => {
    it("a customer's token on an operator's field: OPERATOR_TOKEN_REQUIRED; REST: 401 as any bad token", async () => {
      const result = await graphql(t, '{ me { email } }', {}, bearer(customerToken));
      expect(result.errors).toEqual([
        expect.objectContaining({ message: "This operation needs an operator's access token", extensions: { code: 'OPERATOR_TOKEN_REQUIRED', expected: ['operator'] } }),
      ]);
      const rest = await t.app.inject({ method: 'GET', url: '/auth/me', headers: bearer(customerToken) });
      expect(rest.statusCode).toBe(401);
      expect(rest.body).toBe('{"detail":"Could not validate credentials"}');
      expect(rest.headers['www-authenticate']).toBe('Bearer');
      expect(rest.headers['content-type']).toBe('application/json');
    });

    it('where an API key would also do, `expected` lists it; REST: 401 as any bad token', async () => {
      const result = await graphql(t, 'query($id: ID!) { customerPin(customerId: $id) { hasPin } }', { id: customerId }, bearer(customerToken));
      expect(result.errors?.[0].extensions).toEqual({ code: 'OPERATOR_TOKEN_REQUIRED', expected: ['operator', 'apiKey'] });
      const rest = await t.app.inject({ method: 'GET', url: `/v1/customers/${customerId}/pin`, headers: bearer(customerToken) });
      expect([rest.statusCode, rest.body, rest.headers['www-authenticate']]).toEqual([401, '{"detail":"Could not validate credentials"}', 'Bearer']);
    });

    it("an operator's token on the customer's field: CUSTOMER_TOKEN_REQUIRED", async () => {
      const operator = await registerOperator(t, 'unverified@example.com'); // verified or not, it is an operator's
      for (const token of [operatorToken, operator.access_token]) {
        const result = await graphql(t, '{ portalMe { email } }', {}, bearer(token));
        expect(result.errors).toEqual([
          expect.objectContaining({ message: "This operation needs a customer's (portal) access token", extensions: { code: 'CUSTOMER_TOKEN_REQUIRED', expected: ['customer'] } }),
        ]);
      }
    });

    it('an API key where only a person may act: PERSON_TOKEN_REQUIRED; REST: 403 "Not enough permissions"', async () => {
      const setMyPin = await graphql(t, 'mutation { setMyPin(input: { pin: "2468" }) { hasPin } }', {}, apiKey);
      expect(setMyPin.errors).toEqual([
        expect.objectContaining({ message: "This operation needs a signed-in person's access token, not an API key", extensions: { code: 'PERSON_TOKEN_REQUIRED', expected: ['operator'] } }),
      ]);
      const createApiKey = await graphql(t, 'mutation { createApiKey(input: { tenantSlug: "acme" }) { key } }', {}, apiKey);
      expect(createApiKey.errors?.[0].extensions).toEqual({ code: 'PERSON_TOKEN_REQUIRED', expected: ['operator'] });
      const myPin = await graphql(t, '{ myPin { hasPin } }', {}, apiKey);
      expect(myPin.errors?.[0].extensions).toEqual({ code: 'PERSON_TOKEN_REQUIRED', expected: ['operator', 'customer'] });

      const rest = await t.app.inject({ method: 'GET', url: '/v1/me/pin', headers: apiKey });
      expect(rest.statusCode).toBe(403);
      expect(rest.body).toBe('{"detail":"Not enough permissions"}');
      expect(rest.headers['www-authenticate']).toBeUndefined();
    });

    // Last: it moves the clock past every token's lifetime.
    it('a token that is not genuine, or expired, reveals nothing: INVALID_TOKEN', async () => {
      const [header, payload] = customerToken.split('.');
      const forged = `${header}.${payload}.${'A'.repeat(43)}`;
      expect((await graphql(t, '{ me { email } }', {}, bearer(forged))).errors?.[0]).toMatchObject({ message: 'Could not validate credentials', extensions: { code: 'INVALID_TOKEN' } });
      expect((await graphql(t, '{ me { email } }', {}, bearer('garbage'))).errors?.[0].extensions).toEqual({ code: 'INVALID_TOKEN' });
      t.clock.advance(3601_000); // past the customer token's lifetime (3600 s)
      expect((await graphql(t, '{ me { email } }', {}, bearer(customerToken))).errors?.[0].extensions).toEqual({ code: 'INVALID_TOKEN' });
      const rest = await t.app.inject({ method: 'GET', url: '/auth/me', headers: bearer(customerToken) });
      expect([rest.statusCode, rest.body, rest.headers['www-authenticate']]).toEqual([401, '{"detail":"Could not validate credentials"}', 'Bearer']);
    });
  });
});
