import { buildGatewaySchema } from '../../src/graphql/schema';
import type { GqlContext } from '../../src/graphql/context';
import { systemContext } from '../../src/services';
import { runOperation } from '../../src/cli/run-operation';
import { ADD_SHARED_NODE, CREATE_PLAN, CREATE_TENANT } from '../../src/cli/operations';
import type { TestApp } from './app';

/** The platform itself (what the CLI runs as), for arranging data through the real operations. */
export function platformContext(t: TestApp): GqlContext {
  return systemContext(t.app.services, 'test-seed');
}

export function asPlatform<T = Record<string, unknown>>(t: TestApp, operation: string, variables: Record<string, unknown> = {}): Promise<T> {
  return runOperation<T>(buildGatewaySchema(), platformContext(t), operation, variables);
}

export async function seedTenant(t: TestApp, slug: string, name = `${slug} hosting`): Promise<void> {
  await asPlatform(t, CREATE_TENANT, { input: { slug, name } });
}

export async function seedPlan(t: TestApp, input: Record<string, unknown>): Promise<void> {
  await asPlatform(t, CREATE_PLAN, { input });
}

export async function seedNode(t: TestApp, input: Record<string, unknown>): Promise<void> {
  await asPlatform(t, ADD_SHARED_NODE, { input });
}
