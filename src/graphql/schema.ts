import { defaultFieldResolver, getNamedType, GraphQLID, isObjectType, lexicographicSortSchema, printSchema, type GraphQLResolveInfo, type GraphQLSchema } from 'graphql';
import { buildSchemaSync, type NonEmptyArray, type ValidatorFn } from 'type-graphql';
import { DomainError } from '../lib/errors';
import { parseUuid } from '../pydantic/uuid';
import { AccountResolver } from '../modules/account/account.resolver';
import { ApiKeyResolver } from '../modules/api-keys/api-key.resolver';
import { AuthResolver, MeResolver } from '../modules/auth/auth.resolver';
import { CustomerAuthResolver } from '../modules/customer-auth/customer-auth.resolver';
import { SignupResolver } from '../modules/signup/signup.resolver';
import { MailResolver } from '../modules/mail/mail.resolver';
import { MailLayoutResolver } from '../modules/mail/mail-layout.resolver';
import { MfaResolver } from '../modules/mfa/mfa.resolver';
import { PasskeyResolver } from '../modules/passkeys/passkeys.resolver';
import { PinResolver } from '../modules/pins/pin.resolver';
import { SessionsResolver } from '../modules/sessions/sessions.resolver';
import { CustomerAdminResolver } from '../modules/tenancy/customers.resolver';
import { MembersResolver } from '../modules/tenancy/members.resolver';
import { TenancyResolver } from '../modules/tenancy/tenancy.resolver';
import { WebhookResolver } from '../modules/webhooks/webhook.resolver';
import { inputModelFor, isArgsClass, isInputClass, validateInputObject } from '../validation/input-model';
import { Issue } from '../pydantic/issues';
import { inputValidationError } from '../validation/errors';
import { authChecker, authorize, rolesOfRootField } from './auth-checker';
import type { GqlContext } from './context';

const resolvers: NonEmptyArray<Function> = [AuthResolver, MeResolver, AccountResolver, CustomerAuthResolver, SignupResolver, CustomerAdminResolver, TenancyResolver, MembersResolver, PinResolver, ApiKeyResolver, MailResolver, MailLayoutResolver, PasskeyResolver, SessionsResolver, MfaResolver, WebhookResolver];

/**
 * Runs the declared constraints of an input argument with the REST bridge's rules: the same
 * issues (type, msg, input, ctx) as the FastAPI 422 list, in `extensions.detail`, with `loc`
 * in the caller's terms. On `/graphql` that is the argument, then GraphQL field names and list
 * indexes (`["input","pinRequiredSkills",0]`); under the REST bridge (`GqlContext.surface`)
 * FastAPI's `["body","pin_required_skills",0]`. An input the surface already validated (the
 * REST bridge's body, `GqlContext.validatedInput`) is not validated twice. Arguments declared
 * flat with an `@ArgsType` class are validated the same way, each `loc` starting with the
 * argument's own name (`["newPassword"]`, as an `ID` argument's does).
 */
export const gatewayValidateFn: ValidatorFn = (argValue, argType, { info, context }) => {
  const ctx = context as GqlContext;
  if (argType === ctx.validatedInput) return;
  if (argValue === null || typeof argValue !== 'object') return;
  if (isArgsClass(argType)) {
    // Arguments declared flat on the field (`@Args()`): each is named by itself, `["newPassword"]`.
    const issues = validateInputObject(inputModelFor(argType, info.schema, info.parentType.getFields()[info.fieldName]), argValue as Record<string, unknown>, [], 'property');
    if (issues.length > 0) throw inputValidationError(issues);
    return;
  }
  if (!isInputClass(argType)) return;
  const model = inputModelFor(argType, info.schema);
  const instance = argValue as Record<string, unknown>;
  const issues =
    ctx.surface === 'rest'
      ? validateInputObject(model, instance, ['body'], 'restName')
      : validateInputObject(model, instance, [argumentTaking(info, model.name)], 'property');
  if (issues.length > 0) throw inputValidationError(issues);
};

/**
 * The name of the field's argument that takes this input type (type-graphql's ValidatorFn is
 * given the value and its class, not the argument's name). No field of ours takes one input
 * type twice; if one did, the first such argument would be named.
 */
function argumentTaking(info: GraphQLResolveInfo, inputTypeName: string): string {
  const field = info.parentType.getFields()[info.fieldName];
  return field.args.find((arg) => getNamedType(arg.type).name === inputTypeName)?.name ?? inputTypeName;
}

function containsNul(value: unknown): boolean {
  if (typeof value === 'string') return value.includes('\u0000');
  if (Array.isArray(value)) return value.some(containsNul);
  if (value !== null && typeof value === 'object') return Object.values(value).some(containsNul);
  return false;
}

/** Why these arguments are refused, or undefined; canonicalises the `ID` arguments in place. */
function refuseArguments(args: Record<string, unknown>, ids: readonly string[]): Error | undefined {
  if (containsNul(args)) return new DomainError('NUL_CHARACTER');
  for (const name of ids) {
    const value = args[name];
    if (typeof value !== 'string') continue;
    const parsed = parseUuid(value);
    if (!parsed.ok) return inputValidationError([Issue.uuidParsing([name], value, parsed.error)]);
    args[name] = parsed.value;
  }
  return undefined;
}

/**
 * The checks every argument passes before any resolver sees it, in one place:
 *
 * - No identifier, name, address or secret of ours can contain U+0000, and PostgreSQL text
 *   cannot hold it at all: such input is refused up front, the same on both engines (400).
 * - Every `ID` argument is one of our UUIDs. It is checked once for every operation and the
 *   same on both engines (PostgreSQL would otherwise fail on a malformed uuid where SQLite
 *   finds nothing), with the REST bridge's parser: a malformed id is `BAD_USER_INPUT`
 *   (`uuid_parsing`, `loc` = the argument's name), a well-formed one reaches the resolver in
 *   its canonical lower-case hyphenated form.
 *
 * They wrap, at start, only the fields that take arguments, synchronously (issue 14): as
 * type-graphql global middlewares they ran as a chain of promises around every field of every
 * answer, `id` and `email` included.
 */
export function guardArguments(schema: GraphQLSchema): GraphQLSchema {
  const roots = new Set([schema.getQueryType(), schema.getMutationType()]);
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    for (const field of Object.values(type.getFields())) {
      if (field.args.length === 0) continue;
      const ids = field.args.filter((arg) => getNamedType(arg.type) === GraphQLID).map((arg) => arg.name);
      const resolve = field.resolve ?? defaultFieldResolver;
      const roles = roots.has(type) ? rolesOfRootField(field.name) : undefined;
      field.resolve = (source, args: Record<string, unknown>, context: GqlContext, info) => {
        const refusal = refuseArguments(args, ids);
        if (refusal === undefined) return resolve(source, args, context, info);
        // Who is calling is judged first, as for any other input: 401/403 win over a bad argument.
        return roles ? authorize(context, roles).then(() => Promise.reject(refusal)) : Promise.reject(refusal);
      };
    }
  }
  return schema;
}

/**
 * A mutation that finished has committed its writes: this process forgets what it cached of
 * sessions, keys and memberships before the answer leaves (src/db/hot-path.ts), so a caller
 * never reads its own revocation back stale. Other processes learn it from the database.
 */
export function forgetCachedAuthAfterMutations(schema: GraphQLSchema): GraphQLSchema {
  for (const field of Object.values(schema.getMutationType()?.getFields() ?? {})) {
    const resolve = field.resolve ?? defaultFieldResolver;
    field.resolve = async (source, args, context: GqlContext, info) => {
      try {
        return await resolve(source, args, context, info);
      } finally {
        context.hot.invalidate();
      }
    };
  }
  return schema;
}

let cached: GraphQLSchema | undefined;

/** The gateway's schema, built once per process (type-graphql metadata is global anyway). */
export function buildGatewaySchema(): GraphQLSchema {
  cached ??= forgetCachedAuthAfterMutations(guardArguments(buildSchemaSync({ resolvers, authChecker, validateFn: gatewayValidateFn })));
  return cached;
}

/** The committed `schema.graphql`: sorted, so it changes only when the API does. */
export function printGatewaySchema(): string {
  return `${printSchema(lexicographicSortSchema(buildGatewaySchema()))}\n`;
}
