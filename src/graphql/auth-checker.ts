import { getMetadataStorage, type AuthChecker } from 'type-graphql';
import { DomainError } from '../lib/errors';
import { authenticate, type CallerKind } from './authenticate';
import type { GqlContext, Principal } from './context';

/** The roles operations declare with `@Authorized(...)`. */
export enum Role {
  /** Any signed-in operator, verified or not (e.g. `me`). */
  Operator = 'OPERATOR',
  /** A signed-in operator whose email is verified. */
  VerifiedOperator = 'VERIFIED_OPERATOR',
  /** Platform administration (tenancy setup). */
  PlatformAdmin = 'PLATFORM_ADMIN',
  /** A signed-in customer of a tenant (portal token). */
  Customer = 'CUSTOMER',
  /** A tenant API key (`X-Api-Key`): an admin of its tenant. */
  ApiKey = 'API_KEY',
}

const OPERATOR_ROLES: readonly string[] = [Role.Operator, Role.VerifiedOperator, Role.PlatformAdmin];

export type OperatorPrincipal = Extract<Principal, { kind: 'operator' }>;
export type CustomerPrincipal = Extract<Principal, { kind: 'customer' }>;
export type ApiKeyPrincipal = Extract<Principal, { kind: 'apiKey' }>;

const kindsByRoles = new WeakMap<readonly string[], readonly CallerKind[]>();

/** The kinds of caller some roles accept (worked out once per declared role list). */
function callerKinds(roles: readonly string[]): readonly CallerKind[] {
  let kinds = kindsByRoles.get(roles);
  if (!kinds) {
    const accepted: CallerKind[] = [];
    if (roles.some((role) => OPERATOR_ROLES.includes(role))) accepted.push('operator');
    if (roles.includes(Role.Customer)) accepted.push('customer');
    if (roles.includes(Role.ApiKey)) accepted.push('apiKey');
    kindsByRoles.set(roles, (kinds = Object.freeze(accepted)));
  }
  return kinds;
}

/**
 * The one place that decides who may run an `@Authorized` operation, used by type-graphql
 * for `/graphql` and by the REST bridge before it validates a body (a 401 wins over a 422).
 * Anonymous: 401 `Not authenticated`. Unverified operator where verification is needed:
 * 403 `Email not verified`. Missing role: 403 `Not enough permissions`.
 */
export async function authorize(ctx: GqlContext, roles: readonly string[]): Promise<Principal> {
  const principal = await authenticate(ctx, callerKinds(roles));
  switch (principal.kind) {
    case 'system':
    case 'customer':
    case 'apiKey':
      return principal; // authenticate only yields the kinds the roles accept
    case 'anonymous':
      throw new DomainError('NOT_AUTHENTICATED');
    case 'operator':
      if (roles.includes(Role.Operator)) return principal;
      if (!principal.emailVerified) throw new DomainError('EMAIL_NOT_VERIFIED');
      if (roles.includes(Role.VerifiedOperator) || principal.isAdmin) return principal;
      throw new DomainError('FORBIDDEN');
  }
}

export const authChecker: AuthChecker<GqlContext, string> = async ({ context }, roles) => {
  await authorize(context, roles);
  return true;
};

/** The roles a root field declares with `@Authorized`, or undefined when it is public. */
export function rolesOfRootField(fieldName: string): string[] | undefined {
  const declared = getMetadataStorage().authorizedFields.find((field) => field.fieldName === fieldName);
  return declared ? (declared.roles as string[]) : undefined;
}
