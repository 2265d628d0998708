import type { QueryBuilder, Model } from 'objection';
import type { Knex } from 'knex';
import { DomainError, type ErrorCode } from '../lib/errors';
import type { Principal } from '../lib/principal';
import { roleIn, tenantsWhereRole, type Db } from './memberships';

/**
 * Tenant access: the one rule, in the data layer, used by every resolver (ory/kratos scopes
 * every query by its network in the persister; we scope by tenant the same way).
 *
 * Where a caller stands in a tenant:
 *
 * - `platform`: the platform itself (the CLI) or a platform admin, in every tenant;
 * - `key`: an API key, in its own tenant (an administrator of it, and of nothing else);
 * - `owner` / `admin` / `member`: an operator's role in the tenant;
 * - `none`: anyone else (customers included: they reach only their own instance, which
 *   `modules/access/reach.ts` decides on top of this rule).
 *
 * The one answer (docs/security.md, "Not yours vs not allowed"): a caller who stands
 * nowhere in the tenant is told the resource does not exist (404, so ids do not leak
 * across tenants); a plain member, who knows the tenant, is told they may not (403).
 */
export type Standing = 'platform' | 'key' | 'owner' | 'admin' | 'member' | 'none';

/** What the caller is about to do with the tenant's data. */
export type Access = 'read' | 'administer';

export async function standingIn(db: Db, principal: Principal, tenantId: string): Promise<Standing> {
  switch (principal.kind) {
    case 'system':
      return 'platform';
    case 'apiKey':
      return principal.tenantId === tenantId ? 'key' : 'none';
    case 'operator':
      if (principal.isAdmin) return 'platform';
      return (await roleIn<Exclude<Standing, 'platform' | 'key' | 'none'>>(db, tenantId, principal.userId)) ?? 'none';
    default:
      return 'none';
  }
}

/** Whether this standing may administer the tenant (everything but `member` and `none`). */
export const administers = (standing: Standing): boolean => standing !== 'member' && standing !== 'none';

/**
 * The caller's standing in the tenant, when it allows `access`: otherwise `notFound` (the
 * resource's own 404) for a caller outside the tenant, `FORBIDDEN` for a plain member asked
 * to administer.
 */
export async function requireTenantAccess(db: Db, principal: Principal, tenantId: string, access: Access, notFound: ErrorCode): Promise<Standing> {
  const standing = await standingIn(db, principal, tenantId);
  if (standing === 'none') throw new DomainError(notFound);
  if (access === 'administer' && standing === 'member') throw new DomainError('FORBIDDEN');
  return standing;
}

/** The same rule as a list: every tenant (`all`), or the ids of the tenants the caller administers. */
export async function administeredTenantIds(db: Knex, principal: Principal): Promise<'all' | string[]> {
  if (principal.kind === 'system' || (principal.kind === 'operator' && principal.isAdmin)) return 'all';
  if (principal.kind === 'apiKey') return [principal.tenantId];
  if (principal.kind !== 'operator') return [];
  return tenantsWhereRole(db, principal.userId, ['owner', 'admin']);
}

/**
 * Restricts a query of a tenant-owned table to the tenants the caller administers, in place
 * (a query builder is thenable, so it is not returned from an async function: that would run it).
 */
export async function scopeToTenants<M extends Model, R>(db: Knex, principal: Principal, query: QueryBuilder<M, R>, column: string): Promise<void> {
  const ids = await administeredTenantIds(db, principal);
  if (ids !== 'all') query.whereIn(column, ids);
}
