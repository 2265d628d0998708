import { ArrayMaxSize, Length, Matches, Max, MaxLength, Min } from 'class-validator';
import Fastify, { type FastifyInstance } from 'fastify';
import { GraphQLError } from 'graphql';
import { Arg, Field, InputType, Int, Mutation, Query, registerEnumType, Resolver, buildSchemaSync } from 'type-graphql';
import { BODY_LIMIT_BYTES } from '../../src/app';
import type { GqlContext } from '../../src/graphql/context';
import { authChecker } from '../../src/graphql/auth-checker';
import { gatewayValidateFn } from '../../src/graphql/schema';
import { DomainError } from '../../src/lib/errors';
import { registerLegacyApi } from '../../src/rest/http';
import { ok, type LegacyRoute } from '../../src/rest/route';
import { IsEmailAddress } from '../../src/validation/decorators';

/**
 * A probe API that exercises every validation rule of the bridge through the real
 * bridge code: its input types mirror the legacy models (register, signup, pin policy),
 * and each operation echoes what the resolver received.
 */
export enum ProbeAppliesTo {
  all = 'all',
  owner = 'owner',
  customer = 'customer',
}
registerEnumType(ProbeAppliesTo, { name: 'ProbeAppliesTo' });

@InputType()
export class ProbeRegisterInput {
  @Field() @IsEmailAddress() email!: string;
  @Field() @Length(8, 128) password!: string;
}

@InputType()
export class ProbeSignupInput {
  @Field() @Length(1, 200) companyName!: string;
  @Field() @IsEmailAddress() email!: string;
  @Field({ defaultValue: 'starter' }) @MaxLength(50) plan!: string;
  @Field() @Length(1, 100) tenantSlug!: string;
}

@InputType()
export class ProbePolicyInput {
  @Field(() => ProbeAppliesTo, { nullable: true }) pinAppliesTo?: ProbeAppliesTo;
  @Field(() => [String], { nullable: true }) @ArrayMaxSize(100) @Length(1, 100, { each: true }) pinRequiredSkills?: string[];
  @Field(() => Int, { nullable: true }) @Min(1) @Max(1440) pinSessionTtlMinutes?: number;
  @Field({ nullable: true }) @Matches(/^\d{4,8}$/) pin?: string;
}

@Resolver()
export class ProbeResolver {
  @Query(() => String)
  probePing(): string {
    return 'pong';
  }

  @Mutation(() => String)
  probeRegister(@Arg('input') input: ProbeRegisterInput): string {
    return JSON.stringify(input);
  }

  @Mutation(() => String)
  probeSignup(@Arg('itemId') itemId: string, @Arg('input') input: ProbeSignupInput): string {
    return JSON.stringify({ itemId, ...input });
  }

  @Mutation(() => String)
  probePolicy(@Arg('input') input: ProbePolicyInput): string {
    return JSON.stringify(input);
  }

  @Mutation(() => String)
  probeFail(@Arg('mode') mode: string): string {
    if (mode === 'domain') throw new DomainError('TENANT_NOT_FOUND');
    if (mode === 'graphql') throw new GraphQLError('a bare GraphQL error');
    throw new Error('database password is hunter2');
  }
}

export const probeSchema = buildSchemaSync({ resolvers: [ProbeResolver], validateFn: gatewayValidateFn, authChecker });

const echo = (field: string) => (data: Record<string, unknown>) => ok(JSON.parse(data[field] as string));

export const probeRoutes: LegacyRoute[] = [
  {
    method: 'POST',
    path: '/probe/register',
    tag: 'Probe',
    summary: 'Register-shaped body',
    body: ProbeRegisterInput,
    operation: 'mutation($input: ProbeRegisterInput!) { probeRegister(input: $input) }',
    variables: ({ body }) => ({ input: body }),
    respond: echo('probeRegister'),
  },
  {
    method: 'POST',
    path: '/probe/items/{item_id}',
    tag: 'Probe',
    summary: 'Signup-shaped body with a UUID path parameter',
    pathParams: { item_id: 'uuid' },
    body: ProbeSignupInput,
    operation: 'mutation($id: String!, $input: ProbeSignupInput!) { probeSignup(itemId: $id, input: $input) }',
    variables: ({ path, body }) => ({ id: path.item_id, input: body }),
    respond: echo('probeSignup'),
  },
  {
    method: 'PATCH',
    path: '/probe/policy',
    tag: 'Probe',
    summary: 'All-optional body',
    body: ProbePolicyInput,
    operation: 'mutation($input: ProbePolicyInput!) { probePolicy(input: $input) }',
    variables: ({ body }) => ({ input: body }),
    respond: echo('probePolicy'),
  },
  {
    method: 'GET',
    path: '/probe/fail/{mode}',
    tag: 'Probe',
    summary: 'Errors from resolvers',
    pathParams: { mode: 'string' },
    operation: 'mutation($mode: String!) { probeFail(mode: $mode) }',
    variables: ({ path }) => ({ mode: path.mode }),
    respond: echo('probeFail'),
  },
];

/** A Fastify app serving only the probe routes through the real legacy API layer. */
export async function startProbeApp(logStream?: NodeJS.WritableStream): Promise<FastifyInstance> {
  const app = Fastify({
    bodyLimit: BODY_LIMIT_BYTES,
    logger: logStream ? { level: 'error', stream: logStream } : false,
  });
  await registerLegacyApi(app, {
    schema: probeSchema,
    routes: probeRoutes,
    contextFor: (request) => ({ requestId: request.id, log: request.log, credentials: { cookies: {} }, principal: { kind: 'anonymous' } }) as unknown as GqlContext,
  });
  await app.ready();
  return app;
}
