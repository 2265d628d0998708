import type { QueryBuilder, Model } from 'objection';
import type { Knex } from 'knex';
import type { Principal } from '../lib/principal';
import { tenantsWhereRole } from './memberships';

/**
 * The tenants whose data the caller may administer: every tenant for the platform itself
 * and platform admins; for an operator, the tenants where they are owner or admin; for an
 * API key, its tenant; for anyone else, none. Tenant-owned queries go through `scopeToTenants`, so no resolver can
 * forget the filter (ory/kratos-style: the storage layer scopes, not each caller).
 */
export async function administeredTenantIds(db: Knex, principal: Principal): Promise<'all' | string[]> {
  if (principal.kind === 'system' || (principal.kind === 'operator' && principal.isAdmin)) return 'all';
  if (principal.kind === 'apiKey') return [principal.tenantId];
  if (principal.kind !== 'operator') return [];
  return tenantsWhereRole(db, principal.userId, ['owner', 'admin']);
}

/**
 * Restricts a query of a tenant-owned table to the caller's tenants, in place (a query
 * builder is thenable, so it is not returned from an async function: that would run it).
 */
export async function scopeToTenants<M extends Model, R>(db: Knex, principal: Principal, query: QueryBuilder<M, R>, column: string): Promise<void> {
  const ids = await administeredTenantIds(db, principal);
  if (ids !== 'all') query.whereIn(column, ids);
}
