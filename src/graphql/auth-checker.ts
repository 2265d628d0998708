import { getMetadataStorage, type AuthChecker } from 'type-graphql';
import { DomainError } from '../lib/errors';
import { authenticate } from './authenticate';
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
}

export type OperatorPrincipal = Extract<Principal, { kind: 'operator' }>;
export type CustomerPrincipal = Extract<Principal, { kind: 'customer' }>;

/**
 * The one place that decides who may run an `@Authorized` operation, used by type-graphql
 * for `/graphql` and by the REST bridge before it validates a body (a 401 wins over a 422).
 * Anonymous: 401 `Not authenticated`. Unverified operator where verification is needed:
 * 403 `Email not verified`. Missing role: 403 `Not enough permissions`.
 */
export async function authorize(ctx: GqlContext, roles: readonly string[]): Promise<Principal> {
  const principal = await authenticate(ctx, roles.includes(Role.Customer) ? 'customer' : 'operator');
  if (principal.kind === 'system') return principal;
  if (principal.kind === 'anonymous') throw new DomainError('NOT_AUTHENTICATED');
  if (principal.kind === 'customer') return principal;
  if (roles.includes(Role.Operator)) return principal;
  if (!principal.emailVerified) throw new DomainError('EMAIL_NOT_VERIFIED');
  if (roles.includes(Role.PlatformAdmin) && !principal.isAdmin) throw new DomainError('FORBIDDEN');
  return principal;
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
