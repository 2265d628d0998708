import Fastify, { type FastifyInstance } from 'fastify';
import { GraphQLError } from 'graphql';
import { Arg, Mutation, Query, Resolver, buildSchemaSync } from 'type-graphql';
import { BODY_LIMIT_BYTES } from '../../src/app';
import type { GqlContext } from '../../src/graphql/context';
import { authChecker } from '../../src/graphql/auth-checker';
import { gatewayValidateFn } from '../../src/graphql/schema';
import { DomainError } from '../../src/lib/errors';
import { registerLegacyApi } from '../../src/rest/http';
import { ok, type LegacyRoute } from '../../src/rest/route';
import { NO_METRICS } from '../../src/lib/metrics';

/**
 * A resolver that fails on demand, which no real operation does on purpose: how errors out of
 * resolvers are answered (a domain error, a crash, a bare GraphQL error) over REST and GraphQL.
 * Validation is tested over the real routes and inputs (test/validation/legacy-422.test.ts).
 */
@Resolver()
export class ProbeResolver {
  @Query(() => String)
  probePing(): string {
    return 'pong';
  }

  @Mutation(() => String)
  probeFail(@Arg('mode') mode: string): string {
    if (mode === 'domain') throw new DomainError('TENANT_NOT_FOUND');
    if (mode === 'graphql') throw new GraphQLError('a bare GraphQL error');
    throw new Error('database password is hunter2');
  }
}

export const probeSchema = buildSchemaSync({ resolvers: [ProbeResolver], validateFn: gatewayValidateFn, authChecker });

export const probeRoutes: LegacyRoute[] = [
  {
    method: 'GET',
    path: '/probe/fail/{mode}',
    tag: 'Probe',
    summary: 'Errors from resolvers',
    pathParams: { mode: 'string' },
    operation: 'mutation($mode: String!) { probeFail(mode: $mode) }',
    variables: ({ path }) => ({ mode: path.mode }),
    respond: (data) => ok(data.probeFail),
  },
];

/** A Fastify app serving only the probe route through the real legacy API layer. */
export async function startProbeApp(logStream?: NodeJS.WritableStream): Promise<FastifyInstance> {
  const app = Fastify({
    bodyLimit: BODY_LIMIT_BYTES,
    logger: logStream ? { level: 'error', stream: logStream } : false,
  });
  await registerLegacyApi(app, {
    schema: probeSchema,
    routes: probeRoutes,
    contextFor: (request) => ({ requestId: request.id, log: request.log, metrics: NO_METRICS, credentials: { cookies: {} }, principal: { kind: 'anonymous' } }) as unknown as GqlContext,
  });
  await app.ready();
  return app;
}
