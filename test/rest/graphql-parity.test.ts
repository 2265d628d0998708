import { CREATE_API_KEY } from '../../src/cli/operations';
import { startTestApp, type TestApp } from '../helpers/app';
import { bearer, graphql } from '../helpers/auth';
import { activeCustomer, seedShop } from '../helpers/customers';
import { engine } from '../helpers/db';
import { asPlatform } from '../helpers/seed';

/**
 * One declaration, two renderings: a constraint violated over `/graphql` is reported as
 * BAD_USER_INPUT whose `extensions.detail` holds the very issues the legacy REST route answers
 * in its 422 list (same order, type, msg, input, ctx), each `loc` in the surface's own terms:
 * `["body","pin_required_skills",1]` on REST, `["input","pinRequiredSkills",1]` on `/graphql`.
 * Both from the real input classes (routes needing credentials are called with an API key).
 */
type Loc = Array<string | number>;
interface Case {
  name: string;
  rest: () => { method: 'POST' | 'PATCH'; url: string; body: unknown };
  mutation: string;
  variables: () => Record<string, unknown>;
  /** Each issue's `loc`, in order: [REST, GraphQL]. */
  locs: Array<[Loc, Loc]>;
}

describe(`GraphQL reports the same issues as REST, in GraphQL terms (${engine})`, () => {
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
      locs: [
        [['body', 'email'], ['input', 'email']],
        [['body', 'password'], ['input', 'password']],
      ],
    },
    {
      name: 'lengths of a signup body',
      rest: () => ({ method: 'POST', url: '/v1/public/signup', body: { company_name: '', email: 'ok@example.com', plan: 'p'.repeat(51), tenant_slug: 't'.repeat(101) } }),
      mutation: 'mutation($input: SignupInput!) { signup(input: $input) { customerId } }',
      variables: () => ({ input: { companyName: '', email: 'ok@example.com', plan: 'p'.repeat(51), tenantSlug: 't'.repeat(101) } }),
      locs: [
        [['body', 'company_name'], ['input', 'companyName']],
        [['body', 'plan'], ['input', 'plan']],
        [['body', 'tenant_slug'], ['input', 'tenantSlug']],
      ],
    },
    {
      name: 'bounds and list items',
      rest: () => ({ method: 'PATCH', url: `/v1/instances/${instanceId}/pin-policy`, body: { pin_required_skills: ['ok', ''], pin_session_ttl_minutes: 0 } }),
      mutation: 'mutation($id: ID!, $input: PinPolicyPatchInput!) { updatePinPolicy(instanceId: $id, input: $input) { instanceId } }',
      variables: () => ({ id: instanceId, input: { pinRequiredSkills: ['ok', ''], pinSessionTtlMinutes: 0 } }),
      locs: [
        [['body', 'pin_required_skills', 1], ['input', 'pinRequiredSkills', 1]],
        [['body', 'pin_session_ttl_minutes'], ['input', 'pinSessionTtlMinutes']],
      ],
    },
    {
      name: 'list longer than allowed',
      rest: () => ({ method: 'PATCH', url: `/v1/instances/${instanceId}/pin-policy`, body: { pin_required_skills: skills, pin_session_ttl_minutes: 1441 } }),
      mutation: 'mutation($id: ID!, $input: PinPolicyPatchInput!) { updatePinPolicy(instanceId: $id, input: $input) { instanceId } }',
      variables: () => ({ id: instanceId, input: { pinRequiredSkills: skills, pinSessionTtlMinutes: 1441 } }),
      locs: [
        [['body', 'pin_required_skills'], ['input', 'pinRequiredSkills']],
        [['body', 'pin_session_ttl_minutes'], ['input', 'pinSessionTtlMinutes']],
      ],
    },
    {
      name: 'pattern',
      rest: () => ({ method: 'POST', url: `/v1/customers/${customerId}/pin`, body: { pin: '12' } }),
      mutation: 'mutation($id: ID!, $input: SetPinInput!) { setCustomerPin(customerId: $id, input: $input) { hasPin } }',
      variables: () => ({ id: customerId, input: { pin: '12' } }),
      locs: [[['body', 'pin'], ['input', 'pin']]],
    },
  ];

  const withoutLoc = ({ loc: _loc, ...issue }: { loc: Loc }) => issue;

  it.each(cases)('$name', async ({ rest, mutation, variables, locs }) => {
    const admin = { 'x-api-key': apiKey };
    const { method, url, body } = rest();
    const res = await t.app.inject({ method, url, payload: JSON.stringify(body), headers: { 'content-type': 'application/json', ...admin } });
    expect(res.statusCode).toBe(422);
    const restIssues: Array<{ loc: Loc }> = res.json().detail;
    expect(restIssues.map((issue) => issue.loc)).toEqual(locs.map(([restLoc]) => restLoc));

    const result = await graphql(t, mutation, variables(), admin);
    expect(result.data).toBeNull();
    expect(result.errors).toHaveLength(1);
    const [error] = result.errors ?? [];
    expect(error.message).toBe('Request validation failed');
    expect(Object.keys(error.extensions)).toEqual(['code', 'detail']);
    expect(error.extensions.code).toBe('BAD_USER_INPUT');
    const graphqlIssues: Array<{ loc: Loc }> = error.extensions.detail;
    expect(graphqlIssues.map((issue) => issue.loc)).toEqual(locs.map(([, graphqlLoc]) => graphqlLoc));
    // The same rule, the same issue: everything but the location is identical, key order included.
    expect(graphqlIssues.map((issue) => JSON.stringify(withoutLoc(issue)))).toEqual(restIssues.map((issue) => JSON.stringify(withoutLoc(issue))));
  });

  it('normalises an email for the resolver on the GraphQL side too', async () => {
    const registered = await graphql(t, 'mutation { register(input: { email: " Bob@EXAMPLE.org", password: "long enough" }) { accessToken } }');
    expect(registered.errors).toBeUndefined();
    const me = await graphql(t, '{ me { email } }', {}, bearer(registered.data?.register.accessToken));
    expect(me.data?.me.email).toBe('Bob@example.org');
  });
});
