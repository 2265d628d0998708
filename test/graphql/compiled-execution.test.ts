import { createApolloServer } from '../../src/graphql/server';
import type { GqlContext } from '../../src/graphql/context';
import { startTestApp, testConfig, type TestApp } from '../helpers/app';
import { engine } from '../helpers/db';
import { probeSchema } from '../helpers/probe';
import { NO_METRICS } from '../../src/lib/metrics';

/**
 * `/graphql` runs a document with graphql-js the first time and compiled (graphql-jit) from
 * its second run on: every answer, error or not, must be the same byte for byte either way.
 */
describe('compiled execution answers as graphql-js does', () => {
  const logged: string[] = [];
  const log = { error: (_obj: unknown, msg: string) => logged.push(msg) };
  const context = { requestId: 'req-7', log, metrics: NO_METRICS } as unknown as GqlContext;

  const cases: Array<[string, string, Record<string, unknown>]> = [
    ['a plain query', '{ probePing }', {}],
    ['a domain error', 'mutation { probeFail(mode: "domain") }', {}],
    ['a masked crash', 'mutation { probeFail(mode: "crash") }', {}],
    ['a NUL character', 'mutation ($mode: String!) { probeFail(mode: $mode) }', { mode: 'a\u0000b' }],
  ];

  it.each(cases)('%s', async (_name, query, variables) => {
    const server = await createApolloServer(probeSchema, testConfig());
    try {
      const answers: string[] = [];
      for (let run = 0; run < 4; run += 1) {
        const response = await server.executeOperation({ query, variables }, { contextValue: context });
        answers.push(JSON.stringify({ http: response.http.status ?? 200, body: response.body }));
      }
      expect(answers.slice(1)).toEqual([answers[0], answers[0], answers[0]]);
    } finally {
      await server.stop();
    }
  });

  it('logs an unexpected error on every run, compiled or not', async () => {
    logged.length = 0;
    const server = await createApolloServer(probeSchema, testConfig());
    try {
      for (let run = 0; run < 3; run += 1) await server.executeOperation({ query: 'mutation { probeFail(mode: "crash") }' }, { contextValue: context });
    } finally {
      await server.stop();
    }
    expect(logged.filter((msg) => msg === 'unexpected error in GraphQL operation')).toHaveLength(3);
  });
});

/** The same over the real `/graphql`, for inputs refused by the real input classes. */
describe(`compiled execution answers as graphql-js does: real inputs (${engine})`, () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  const policy = 'mutation ($id: ID!, $input: PinPolicyPatchInput!) { updatePinPolicy(instanceId: $id, input: $input) { instanceId } }';
  const instanceId = '123e4567-e89b-12d3-a456-426614174000';
  const cases: Array<[string, string, Record<string, unknown>]> = [
    ['a constraint violation', 'mutation { register(input: { email: "x", password: "long enough" }) { accessToken } }', {}],
    ['a value outside an enum, in a variable', policy, { id: instanceId, input: { pinAppliesTo: 'nobody' } }],
    ['a missing variable', policy, { id: instanceId }],
  ];

  it.each(cases)('%s', async (_name, query, variables) => {
    const answers: string[] = [];
    for (let run = 0; run < 4; run += 1) {
      const res = await t.app.inject({ method: 'POST', url: '/graphql', payload: { query, variables } });
      answers.push(`${res.statusCode} ${res.body}`);
    }
    expect(answers[0]).toContain('"code":"BAD_USER_INPUT"');
    expect(answers.slice(1)).toEqual([answers[0], answers[0], answers[0]]);
  });
});
