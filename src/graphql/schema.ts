import { GraphQLError, lexicographicSortSchema, printSchema, type GraphQLSchema } from 'graphql';
import { buildSchemaSync, type MiddlewareFn, type NonEmptyArray, type ValidatorFn } from 'type-graphql';
import { DomainError, VALIDATION_ERROR_CODE } from '../lib/errors';
import { toPlainJson } from '../rest/python-json';
import { ApiKeyResolver } from '../modules/api-keys/api-key.resolver';
import { AuthResolver } from '../modules/auth/auth.resolver';
import { CustomerAdminResolver } from '../modules/customers/customer-admin.resolver';
import { CustomerAuthResolver } from '../modules/customers/customer-auth.resolver';
import { MailResolver } from '../modules/mail/mail.resolver';
import { PinResolver } from '../modules/pins/pin.resolver';
import { TenancyResolver } from '../modules/tenancy/tenancy.resolver';
import { inputModelFor, isInputClass, validateInputObject } from '../validation/input-model';
import { issueToPy } from '../validation/issues';
import { authChecker } from './auth-checker';

const resolvers: NonEmptyArray<Function> = [AuthResolver, CustomerAuthResolver, CustomerAdminResolver, TenancyResolver, PinResolver, ApiKeyResolver, MailResolver];

/**
 * Runs the declared constraints of an input argument with the REST bridge's rules, so
 * `/graphql` reports exactly the FastAPI 422 list in `extensions.detail`.
 */
export const gatewayValidateFn: ValidatorFn = (argValue, argType, { info }) => {
  if (!isInputClass(argType) || argValue === null || typeof argValue !== 'object') return;
  const issues = validateInputObject(inputModelFor(argType, info.schema), argValue as Record<string, unknown>);
  if (issues.length > 0) {
    throw new GraphQLError('Request validation failed', {
      extensions: { code: VALIDATION_ERROR_CODE, detail: issues.map((issue) => toPlainJson(issueToPy(issue))) },
    });
  }
};

function containsNul(value: unknown): boolean {
  if (typeof value === 'string') return value.includes('\u0000');
  if (Array.isArray(value)) return value.some(containsNul);
  if (value !== null && typeof value === 'object') return Object.values(value).some(containsNul);
  return false;
}

/**
 * No identifier, name, address or secret of ours can contain U+0000, and PostgreSQL text
 * cannot hold it at all: such input is refused up front, the same on both engines (400).
 */
export const rejectNulCharacters: MiddlewareFn = async ({ args }, next) => {
  if (containsNul(args)) throw new DomainError('NUL_CHARACTER');
  return next();
};

let cached: GraphQLSchema | undefined;

/** The gateway's schema, built once per process (type-graphql metadata is global anyway). */
export function buildGatewaySchema(): GraphQLSchema {
  cached ??= buildSchemaSync({
    resolvers,
    authChecker,
    validateFn: gatewayValidateFn,
    globalMiddlewares: [rejectNulCharacters],
  });
  return cached;
}

/** The committed `schema.graphql`: sorted, so it changes only when the API does. */
export function printGatewaySchema(): string {
  return `${printSchema(lexicographicSortSchema(buildGatewaySchema()))}\n`;
}
