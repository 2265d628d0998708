import { getNamedType, GraphQLID, lexicographicSortSchema, printSchema, type GraphQLSchema } from 'graphql';
import { buildSchemaSync, type MiddlewareFn, type NonEmptyArray, type ValidatorFn } from 'type-graphql';
import { DomainError } from '../lib/errors';
import { parseUuid } from '../rest/uuid';
import { ApiKeyResolver } from '../modules/api-keys/api-key.resolver';
import { AuthResolver } from '../modules/auth/auth.resolver';
import { CustomerAdminResolver } from '../modules/customers/customer-admin.resolver';
import { CustomerAuthResolver } from '../modules/customers/customer-auth.resolver';
import { MailResolver } from '../modules/mail/mail.resolver';
import { PinResolver } from '../modules/pins/pin.resolver';
import { MembersResolver } from '../modules/tenancy/members.resolver';
import { TenancyResolver } from '../modules/tenancy/tenancy.resolver';
import { inputModelFor, isInputClass, validateInputObject } from '../validation/input-model';
import { inputValidationError, Issue } from '../validation/issues';
import { authChecker } from './auth-checker';

const resolvers: NonEmptyArray<Function> = [AuthResolver, CustomerAuthResolver, CustomerAdminResolver, TenancyResolver, MembersResolver, PinResolver, ApiKeyResolver, MailResolver];

/**
 * Runs the declared constraints of an input argument with the REST bridge's rules, so
 * `/graphql` reports exactly the FastAPI 422 list in `extensions.detail`.
 */
export const gatewayValidateFn: ValidatorFn = (argValue, argType, { info }) => {
  if (!isInputClass(argType) || argValue === null || typeof argValue !== 'object') return;
  const issues = validateInputObject(inputModelFor(argType, info.schema), argValue as Record<string, unknown>);
  if (issues.length > 0) throw inputValidationError(issues);
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

/**
 * Every `ID` argument is one of our UUIDs. It is checked here, once for every operation and
 * the same on both engines (PostgreSQL would otherwise fail on a malformed uuid where SQLite
 * finds nothing), with the REST bridge's parser: a malformed id is `BAD_USER_INPUT`
 * (`uuid_parsing`, `loc` = the argument's name), a well-formed one reaches the resolver in its
 * canonical lower-case hyphenated form.
 */
export const canonicalIdArguments: MiddlewareFn = async ({ args, info }, next) => {
  const definitions = info.parentType.getFields()[info.fieldName]?.args ?? [];
  if (definitions.length === 0) return next();
  for (const definition of definitions) {
    const value: unknown = args[definition.name];
    if (getNamedType(definition.type) !== GraphQLID || typeof value !== 'string') continue;
    const parsed = parseUuid(value);
    if (!parsed.ok) throw inputValidationError([Issue.uuidParsing([definition.name], value, parsed.error)]);
    args[definition.name] = parsed.value;
  }
  return next();
};

let cached: GraphQLSchema | undefined;

/** The gateway's schema, built once per process (type-graphql metadata is global anyway). */
export function buildGatewaySchema(): GraphQLSchema {
  cached ??= buildSchemaSync({
    resolvers,
    authChecker,
    validateFn: gatewayValidateFn,
    globalMiddlewares: [rejectNulCharacters, canonicalIdArguments],
  });
  return cached;
}

/** The committed `schema.graphql`: sorted, so it changes only when the API does. */
export function printGatewaySchema(): string {
  return `${printSchema(lexicographicSortSchema(buildGatewaySchema()))}\n`;
}
