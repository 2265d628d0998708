import type { FastifyInstance } from 'fastify';
import { execute, parse } from 'graphql';
import type { GqlContext } from '../../src/graphql/context';
import { probeSchema, startProbeApp } from '../helpers/probe';

/**
 * One declaration, two surfaces: a constraint violated over GraphQL is reported as
 * BAD_USER_INPUT whose `extensions.detail` is the very list the REST bridge answers.
 */
const cases: Array<{ name: string; rest: { method: 'POST' | 'PATCH'; url: string; body: unknown }; mutation: string; variables: Record<string, unknown> }> = [
  {
    name: 'email reason and password length, in model order',
    rest: { method: 'POST', url: '/probe/register', body: { password: 'short', email: 'a@localhost' } },
    mutation: 'mutation($input: ProbeRegisterInput!) { probeRegister(input: $input) }',
    variables: { input: { email: 'a@localhost', password: 'short' } },
  },
  {
    name: 'lengths of a signup body',
    rest: { method: 'POST', url: '/probe/items/123e4567-e89b-12d3-a456-426614174000', body: { company_name: '', email: 'ok@example.com', plan: 'p'.repeat(51), tenant_slug: 't'.repeat(101) } },
    mutation: 'mutation($input: ProbeSignupInput!) { probeSignup(itemId: "x", input: $input) }',
    variables: { input: { companyName: '', email: 'ok@example.com', plan: 'p'.repeat(51), tenantSlug: 't'.repeat(101) } },
  },
  {
    name: 'bounds, list items, list size and pattern',
    rest: { method: 'PATCH', url: '/probe/policy', body: { pin_required_skills: ['ok', ''], pin_session_ttl_minutes: 0, pin: '12' } },
    mutation: 'mutation($input: ProbePolicyInput!) { probePolicy(input: $input) }',
    variables: { input: { pinRequiredSkills: ['ok', ''], pinSessionTtlMinutes: 0, pin: '12' } },
  },
  {
    name: 'list longer than allowed',
    rest: { method: 'PATCH', url: '/probe/policy', body: { pin_required_skills: Array.from({ length: 101 }, (_, i) => `s${i}`), pin_session_ttl_minutes: 1441 } },
    mutation: 'mutation($input: ProbePolicyInput!) { probePolicy(input: $input) }',
    variables: { input: { pinRequiredSkills: Array.from({ length: 101 }, (_, i) => `s${i}`), pinSessionTtlMinutes: 1441 } },
  },
];

describe('GraphQL reports the same 422 list as REST', () => {
  let app: FastifyInstance;
  beforeAll(async () => {
    app = await startProbeApp();
  });
  afterAll(() => app.close());

  it.each(cases)('$name', async ({ rest, mutation, variables }) => {
    const res = await app.inject({ method: rest.method, url: rest.url, payload: rest.body as object });
    expect(res.statusCode).toBe(422);
    const result = await execute({ schema: probeSchema, document: parse(mutation), variableValues: variables, contextValue: {} as GqlContext });
    expect(result.errors).toHaveLength(1);
    const [error] = result.errors ?? [];
    expect(error.extensions.code).toBe('BAD_USER_INPUT');
    expect(error.message).toBe('Request validation failed');
    expect(error.extensions.detail).toEqual(res.json().detail);
  });

  it('normalises an email for the resolver on the GraphQL side too', async () => {
    const result = await execute({
      schema: probeSchema,
      document: parse('mutation { probeRegister(input: { email: " Bob@EXAMPLE.org", password: "long enough" }) }'),
      contextValue: {} as GqlContext,
    });
    expect(JSON.parse(result.data?.probeRegister as string)).toEqual({ email: 'Bob@example.org', password: 'long enough' });
  });
});
