import { execute, parse, validate, type GraphQLSchema } from 'graphql';
import type { GqlContext } from '../graphql/context';

export class OperationError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
    readonly detail: unknown,
  ) {
    super(message);
    this.name = 'OperationError';
  }
}

/** Runs one operation as the platform itself and returns its data, or throws its first error. */
export async function runOperation<T = Record<string, unknown>>(
  schema: GraphQLSchema,
  context: GqlContext,
  source: string,
  variables: Record<string, unknown> = {},
): Promise<T> {
  const document = parse(source);
  const invalid = validate(schema, document);
  if (invalid.length > 0) throw new OperationError(invalid[0].message, 'GRAPHQL_VALIDATION_FAILED', undefined);
  const result = await execute({ schema, document, variableValues: variables, contextValue: context });
  if (result.errors && result.errors.length > 0) {
    const [error] = result.errors;
    const code = error.extensions?.code as string | undefined;
    if (code === undefined) throw error.originalError ?? error;
    throw new OperationError(error.message, code, error.extensions?.detail);
  }
  return result.data as T;
}
