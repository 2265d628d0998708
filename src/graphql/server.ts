import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { unwrapResolverError } from '@apollo/server/errors';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { GraphQLError, type GraphQLFormattedError, type GraphQLSchema } from 'graphql';
import type { Config } from '../config';
import { ERRORS, isErrorCode, VALIDATION_ERROR_CODE } from '../lib/errors';
import { compiledExecution } from './compiled-execution';
import { enumInputError } from './enum-errors';
import { graphqlProtection } from './limits';
import type { GqlContext } from './context';

/** Errors we raise on purpose (domain errors, input validation) reach clients as they are. */
function isExpected(error: unknown): boolean {
  if (!(error instanceof GraphQLError)) return false;
  const code = error.extensions?.code;
  return code === VALIDATION_ERROR_CODE || isErrorCode(code);
}

/** Anything else is logged with the request id and reaches the client as a generic error. */
const logUnexpectedErrors: ApolloServerPlugin<GqlContext> = {
  async requestDidStart() {
    return {
      async didEncounterErrors({ errors, contextValue }) {
        for (const error of errors) {
          const original = unwrapResolverError(error);
          if (error.path && !isExpected(original)) {
            contextValue.log.error({ err: original, path: error.path, requestId: contextValue.requestId }, 'unexpected error in GraphQL operation');
          }
        }
      },
    };
  },
};

function formatError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  const original = unwrapResolverError(error);
  // Parse/validation errors and Apollo's request errors carry no resolver path.
  if (isExpected(original) || !(error instanceof GraphQLError && error.path)) return formatted;
  return {
    message: ERRORS.INTERNAL_SERVER_ERROR.detail,
    locations: formatted.locations,
    path: formatted.path,
    extensions: { code: 'INTERNAL_SERVER_ERROR' },
  };
}

/**
 * Apollo at `/graphql`. It is stopped from Fastify's `onClose` (after Fastify stopped
 * accepting and drained in-flight requests), so Apollo's own drain plugin is not used.
 */
export async function createApolloServer(schema: GraphQLSchema, config: Config): Promise<ApolloServer<GqlContext>> {
  const protection = graphqlProtection(config.graphql);
  const enumError = enumInputError(schema);
  const server = new ApolloServer<GqlContext>({
    // The schema, with execution compiled (graphql-jit) behind Apollo's executor interface.
    gateway: compiledExecution(schema),
    formatError: (formatted, error) => enumError(formatted) ?? formatError(formatted, error),
    includeStacktraceInErrorResponses: false,
    introspection: config.graphql.introspection,
    // Apollo refuses "simple" requests that a browser would send cross-site without a preflight.
    csrfPrevention: true,
    allowBatchedHttpRequests: false,
    validationRules: protection.validationRules,
    parseOptions: protection.parseOptions,
    // main.ts owns SIGTERM/SIGINT: Fastify drains first, then onClose stops Apollo.
    stopOnTerminationSignals: false,
    // Cache control is off: every answer is `no-store` (it carries tokens or per-caller data),
    // and Apollo's default cache-control plugin wrapped every field resolver to compute hints.
    plugins: [ApolloServerPluginLandingPageDisabled(), ApolloServerPluginCacheControlDisabled(), logUnexpectedErrors, ...protection.plugins],
  });
  await server.start();
  return server;
}
