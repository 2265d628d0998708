import { createApolloServer } from '../../src/graphql/server';
import type { GqlContext } from '../../src/graphql/context';
import { testConfig } from '../helpers/app';
import { probeSchema } from '../helpers/probe';

/**
 * `/graphql` runs a document with graphql-js the first time and compiled (graphql-jit) from
 * its second run on: every answer, error or not, must be the same byte for byte either way.
 */
describe('compiled execution answers as graphql-js does', () => {
  const logged: string[] = [];
  const log = { error: (_obj: unknown, msg: string) => logged.push(msg) };
  const context = { requestId: 'req-7', log } as unknown as GqlContext;

  const cases: Array<[string, string, Record<string, unknown>]> = [
    ['a plain query', '{ probePing }', {}],
    ['a domain error', 'mutation { probeFail(mode: "domain") }', {}],
    ['a masked crash', 'mutation { probeFail(mode: "crash") }', {}],
    ['a constraint violation', 'mutation { probeRegister(input: { email: "x", password: "long enough" }) }', {}],
    ['a value outside an enum, in a variable', 'mutation ($input: ProbePolicyInput!) { probePolicy(input: $input) }', { input: { pinAppliesTo: 'nobody' } }],
    ['a missing variable', 'mutation ($input: ProbePolicyInput!) { probePolicy(input: $input) }', {}],
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
