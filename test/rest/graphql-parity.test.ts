import { CREATE_API_KEY } from '../../src/cli/operations';
import { startTestApp, type TestApp } from '../helpers/app';
import { bearer, graphql } from '../helpers/auth';
import { activeCustomer, seedShop } from '../helpers/customers';
import { engine } from '../helpers/db';
import { asPlatform } from '../helpers/seed';

/**
 * One declaration, two surfaces: a constraint violated over `/graphql` is reported as
 * BAD_USER_INPUT whose `extensions.detail` is the very list the legacy REST route answers,
 * both from the real input classes (routes needing credentials are called with an API key).
 */
interface Case {
  name: string;
  rest: () => { method: 'POST' | 'PATCH'; url: string; body: unknown };
  mutation: string;
  variables: () => Record<string, unknown>;
}

describe(`GraphQL reports the same 422 list as REST (${engine})`, () => {
  let t: TestApp;
  let apiKey: string;
  let customerId: string;
  let instanceId: string;
  beforeAll(async () => {
    t = await startTestApp();
    await seedShop(t, 'acme');
    customerId = (await activeCustomer(t, 'acme', 'owner@widgets.example.com', 'Widgets')).customer_id;
    instanceId = (await t.db('instances').where({ customer_id: customerId }).first('id')).id;
    apiKey = (await asPlatform<{ createApiKey: { key: string } }>(t, CREATE_API_KEY, { input: { tenantSlug: 'acme', name: 'tests' } })).createApiKey.key;
  });
  afterAll(() => t.close());

  const skills = Array.from({ length: 101 }, (_, i) => `s${i}`);
  const cases: Case[] = [
    {
      name: 'email reason and password length, in model order',
      rest: () => ({ method: 'POST', url: '/auth/register', body: { password: 'short', email: 'a@localhost' } }),
      mutation: 'mutation($input: RegisterInput!) { register(input: $input) { accessToken } }',
      variables: () => ({ input: { email: 'a@localhost', password: 'short' } }),
    },
    {
      name: 'lengths of a signup body',
      rest: () => ({ method: 'POST', url: '/v1/public/signup', body: { company_name: '', email: 'ok@example.com', plan: 'p'.repeat(51), tenant_slug: 't'.repeat(101) } }),
      mutation: 'mutation($input: SignupInput!) { signup(input: $input) { customerId } }',
      variables: () => ({ input: { companyName: '', email: 'ok@example.com', plan: 'p'.repeat(51), tenantSlug: 't'.repeat(101) } }),
    },
    {
      name: 'bounds and list items',
      rest: () => ({ method: 'PATCH', url: `/v1/instances/${instanceId}/pin-policy`, body: { pin_required_skills: ['ok', ''], pin_session_ttl_minutes: 0 } }),
      mutation: 'mutation($id: ID!, $input: PinPolicyPatchInput!) { updatePinPolicy(instanceId: $id, input: $input) { instanceId } }',
      variables: () => ({ id: instanceId, input: { pinRequiredSkills: ['ok', ''], pinSessionTtlMinutes: 0 } }),
    },
    {
      name: 'list longer than allowed',
      rest: () => ({ method: 'PATCH', url: `/v1/instances/${instanceId}/pin-policy`, body: { pin_required_skills: skills, pin_session_ttl_minutes: 1441 } }),
      mutation: 'mutation($id: ID!, $input: PinPolicyPatchInput!) { updatePinPolicy(instanceId: $id, input: $input) { instanceId } }',
      variables: () => ({ id: instanceId, input: { pinRequiredSkills: skills, pinSessionTtlMinutes: 1441 } }),
    },
    {
      name: 'pattern',
      rest: () => ({ method: 'POST', url: `/v1/customers/${customerId}/pin`, body: { pin: '12' } }),
      mutation: 'mutation($id: ID!, $input: SetPinInput!) { setCustomerPin(customerId: $id, input: $input) { hasPin } }',
      variables: () => ({ id: customerId, input: { pin: '12' } }),
    },
  ];

  it.each(cases)('$name', async ({ rest, mutation, variables }) => {
    const admin = { 'x-api-key': apiKey };
    const { method, url, body } = rest();
    const res = await t.app.inject({ method, url, payload: JSON.stringify(body), headers: { 'content-type': 'application/json', ...admin } });
    expect(res.statusCode).toBe(422);
    const result = await graphql(t, mutation, variables(), admin);
    expect(result.data).toBeNull();
    expect(result.errors).toHaveLength(1);
    const [error] = result.errors ?? [];
    expect(error.message).toBe('Request validation failed');
    expect(error.extensions).toEqual({ code: 'BAD_USER_INPUT', detail: res.json().detail });
  });

  it('normalises an email for the resolver on the GraphQL side too', async () => {
    const registered = await graphql(t, 'mutation { register(input: { email: " Bob@EXAMPLE.org", password: "long enough" }) { accessToken } }');
    expect(registered.errors).toBeUndefined();
    const me = await graphql(t, '{ me { email } }', {}, bearer(registered.data?.register.accessToken));
    expect(me.data?.me.email).toBe('Bob@example.org');
  });
});
