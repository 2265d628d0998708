import type { AuthChecker } from 'type-graphql';
import { DomainError } from '../lib/errors';
import type { GqlContext } from './context';

/** The roles operations declare with `@Authorized(...)`. */
export enum Role {
  /** Platform administration (tenancy setup). */
  PlatformAdmin = 'PLATFORM_ADMIN',
}

/**
 * The one place that decides who may run an `@Authorized` operation. Anonymous callers get
 * 401 `Not authenticated`; known callers without the role get 403 `Not enough permissions`.
 * Until operator accounts exist, only the platform itself (the CLI) holds PlatformAdmin.
 */
export const authChecker: AuthChecker<GqlContext, Role> = ({ context }, roles) => {
  const { principal } = context;
  if (principal.kind === 'anonymous') throw new DomainError('NOT_AUTHENTICATED');
  if (principal.kind === 'system') return true;
  if (roles.length === 0) return true;
  throw new DomainError('FORBIDDEN');
};
