import type { QueryBuilder, Model } from 'objection';
import type { GqlContext } from '../graphql/context';

/**
 * The tenants whose data the caller may administer: every tenant for the platform itself
 * and platform admins; for an operator, the tenants where they are owner or admin; for an
 * API key, its tenant; for anyone else, none. Tenant-owned queries go through `scopeToTenants`, so no resolver can
 * forget the filter (ory/kratos-style: the storage layer scopes, not each caller).
 */
export async function administeredTenantIds(ctx: GqlContext): Promise<'all' | string[]> {
  const { principal } = ctx;
  if (principal.kind === 'system' || (principal.kind === 'operator' && principal.isAdmin)) return 'all';
  if (principal.kind === 'apiKey') return [principal.tenantId];
  if (principal.kind !== 'operator') return [];
  const rows: Array<{ tenant_id: string }> = await ctx.db('tenant_members').where({ user_id: principal.userId }).whereIn('role', ['owner', 'admin']).select('tenant_id');
  return rows.map((r) => r.tenant_id);
}

/**
 * Restricts a query of a tenant-owned table to the caller's tenants, in place (a query
 * builder is thenable, so it is not returned from an async function: that would run it).
 */
export async function scopeToTenants<M extends Model, R>(ctx: GqlContext, query: QueryBuilder<M, R>, column: string): Promise<void> {
  const ids = await administeredTenantIds(ctx);
  if (ids !== 'all') query.whereIn(column, ids);
}
