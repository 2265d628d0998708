import { createApolloServer } from '../../src/graphql/server';
import type { GqlContext } from '../../src/graphql/context';
import { testConfig } from '../helpers/app';
import { probeSchema } from '../helpers/probe';
import { NO_METRICS } from '../../src/lib/metrics';

/**
 * How /graphql reports errors: expected ones as they are, anything else masked and logged.
 * Constraint violations (BAD_USER_INPUT with the 422 list) are checked over the real schema
 * and inputs in test/rest/graphql-parity.test.ts.
 */
describe('GraphQL error formatting', () => {
  const logged: Array<{ obj: Record<string, unknown>; msg: string }> = [];
  const log = { error: (obj: Record<string, unknown>, msg: string) => logged.push({ obj, msg }) };
  const context = { requestId: 'req-42', log, metrics: NO_METRICS } as unknown as GqlContext;

  async function run(query: string) {
    const server = await createApolloServer(probeSchema, testConfig());
    try {
      const response = await server.executeOperation({ query }, { contextValue: context });
      if (response.body.kind !== 'single') throw new Error('expected a single result');
      return response.body.singleResult;
    } finally {
      await server.stop();
    }
  }

  it('passes domain errors through with their code', async () => {
    const result = await run('mutation { probeFail(mode: "domain") }');
    expect(result.errors?.[0]).toMatchObject({ message: 'Tenant not found', extensions: { code: 'TENANT_NOT_FOUND' } });
  });

  it('masks an unexpected error, never sends its message or stack, and logs it with the request id', async () => {
    const result = await run('mutation { probeFail(mode: "crash") }');
    expect(result.errors?.[0]).toEqual({
      message: 'Internal Server Error',
      locations: [{ line: 1, column: 12 }],
      path: ['probeFail'],
      extensions: { code: 'INTERNAL_SERVER_ERROR' },
    });
    expect(JSON.stringify(result)).not.toContain('hunter2');
    const entry = logged.find((l) => l.msg === 'unexpected error in GraphQL operation');
    expect(entry?.obj.requestId).toBe('req-42');
    expect(String((entry?.obj.err as Error).message)).toContain('hunter2');
  });

  it('keeps GraphQL validation errors as they are', async () => {
    const result = await run('{ nope }');
    expect(result.errors?.[0].extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
  });
});
