import type { GatewayExecutor, GatewayInterface } from '@apollo/server-gateway-interface';
import { execute, GraphQLError, printSchema, type DocumentNode, type ExecutionResult, type GraphQLSchema } from 'graphql';
import { compileQuery, isCompiledQuery, type CompiledQuery } from 'graphql-jit';
import { timedOperation } from '../lib/metrics';
import type { GqlContext } from './context';

/** A document is compiled once it has been run this many times (a one-off is not worth it). */
const COMPILE_AFTER_RUNS = 2;

interface Compiled {
  runs: number;
  query?: CompiledQuery;
}

/**
 * A compiled operation's result as graphql-js would have given it: its errors are graphql-js
 * `GraphQLError`s (graphql-jit's only look like them, and Apollo would take them for foreign
 * errors), and `errors` comes before `data`.
 */
export function asGraphQLResult(result: ExecutionResult): ExecutionResult {
  if (!result.errors) return result;
  const errors = result.errors.map((error: GraphQLError) => {
    // graphql-jit's own class passes `instanceof GraphQLError` but is not one (its fields are
    // not enumerable, `toJSON` differs): only graphql-js's own instances pass as they are.
    if (Object.getPrototypeOf(error) === GraphQLError.prototype) return error;
    const converted = new GraphQLError(error.message, { path: error.path, originalError: error.originalError, extensions: error.extensions });
    (converted as { locations?: unknown }).locations = error.locations;
    return converted;
  });
  return 'data' in result ? { errors, data: result.data } : { errors };
}

/** Compiles one operation of a document, or undefined when graphql-jit cannot. */
export function compileOperation(schema: GraphQLSchema, document: DocumentNode, operationName?: string): CompiledQuery | undefined {
  const compiled = compileQuery(schema, document, operationName);
  return isCompiledQuery(compiled) ? compiled : undefined;
}

/**
 * Runs operations as JavaScript functions compiled from their documents (graphql-jit), the
 * way the REST bridge runs its own (issue 14). Apollo stays the server: it parses, validates
 * (with the protection rules), masks and formats errors and runs its plugins; only execution
 * is handed over, through its executor interface.
 *
 * - Apollo keeps the parsed documents it has seen (an LRU): a document object seen again is
 *   the same query, and its compiled form is kept beside it (a WeakMap, gone with it).
 * - A document is compiled on its second run: a stream of one-off documents costs no
 *   compilation.
 * - A result with errors and no `data` at all means no resolver ran (the variables were
 *   refused): graphql-js reruns it, so callers get graphql-js's exact wording.
 */
export function compiledExecution(schema: GraphQLSchema): GatewayInterface {
  const byDocument = new WeakMap<DocumentNode, Map<string, Compiled>>();

  const compiledFor = (document: DocumentNode, operationName: string | undefined): CompiledQuery | undefined => {
    let byOperation = byDocument.get(document);
    if (!byOperation) byDocument.set(document, (byOperation = new Map()));
    const key = operationName ?? '';
    let entry = byOperation.get(key);
    if (!entry) byOperation.set(key, (entry = { runs: 0 }));
    entry.runs += 1;
    if (!entry.query && entry.runs >= COMPILE_AFTER_RUNS) entry.query = compileOperation(schema, document, operationName);
    return entry.query;
  };

  const run = async (document: DocumentNode, operationName: string | undefined, variableValues: Record<string, unknown>, context: GqlContext): Promise<ExecutionResult> => {
    const compiled = compiledFor(document, operationName);
    const slow = () => execute({ schema, document, contextValue: context, variableValues, operationName }) as Promise<ExecutionResult>;
    if (!compiled) return slow();
    const result = await compiled.query(undefined, context, variableValues);
    if (result.errors?.length && !('data' in result)) return slow();
    return asGraphQLResult(result);
  };

  const executor: GatewayExecutor = async (requestContext) => {
    const context = requestContext.context as GqlContext;
    // Timed by the operation the document resolved to (Apollo picked it), named or anonymous.
    return timedOperation(context.metrics, 'graphql', requestContext.operationName, () =>
      run(requestContext.document, requestContext.request.operationName ?? undefined, requestContext.request.variables ?? {}, context),
    );
  };

  return {
    load: async () => ({ executor }),
    onSchemaLoadOrUpdate: (callback) => {
      callback({ apiSchema: schema, coreSupergraphSdl: printSchema(schema) });
      return () => undefined;
    },
    stop: async () => undefined,
  };
}
