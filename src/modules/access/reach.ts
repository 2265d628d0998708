import type { GqlContext } from '../../graphql/context';
import { roleIn } from '../../db/memberships';
import { DomainError } from '../../lib/errors';
import { Customer } from '../customers/customer.model';
import { Instance } from '../tenancy/tenancy.model';

/**
 * The authorisation model for tenant-owned resources, in one place (CONTRACT section 4):
 *
 * - `admin` of a tenant: the platform, a platform admin, an owner or admin of the tenant,
 *   or an API key of the tenant;
 * - `member`: a plain member of the tenant (may read, not administer: 403);
 * - anyone else reaches nothing: the resource answers 404, never 403, so ids do not leak
 *   across tenants.
 *
 * A customer reaches only its own instance (for reading its policy and confirming PINs).
 */
export type TenantRole = 'admin' | 'member' | 'none';

export async function tenantRole(ctx: GqlContext, tenantId: string): Promise<TenantRole> {
  const { principal } = ctx;
  switch (principal.kind) {
    case 'system':
      return 'admin';
    case 'apiKey':
      return principal.tenantId === tenantId ? 'admin' : 'none';
    case 'operator': {
      if (principal.isAdmin) return 'admin';
      const role = await roleIn(ctx.db, tenantId, principal.userId);
      if (role === undefined) return 'none';
      return role === 'member' ? 'member' : 'admin';
    }
    default:
      return 'none';
  }
}

/**
 * A customer the caller administers; `Customer not found` when out of reach. Ids arrive
 * canonical (the schema's `guardArguments` checks every `ID` argument).
 */
export async function customerToAdminister(ctx: GqlContext, customerId: string): Promise<Customer> {
  const customer = await Customer.query(ctx.db).findById(customerId);
  if (!customer) throw new DomainError('CUSTOMER_NOT_FOUND');
  const role = await tenantRole(ctx, customer.tenant_id);
  if (role === 'none') throw new DomainError('CUSTOMER_NOT_FOUND');
  if (role === 'member') throw new DomainError('FORBIDDEN');
  return customer;
}

/** An instance the caller may read (`read`) or administer (`admin`); `Instance not found` when out of reach. */
export async function instanceInReach(ctx: GqlContext, instanceId: string, access: 'read' | 'admin'): Promise<Instance> {
  return assertInstanceReach(ctx, await Instance.query(ctx.db).findById(instanceId), access);
}

/** The same rule for an instance already read (or undefined when there is none). */
export async function assertInstanceReach<T extends Pick<Instance, 'tenant_id' | 'customer_id'>>(ctx: GqlContext, instance: T | undefined, access: 'read' | 'admin'): Promise<T> {
  if (!instance) throw new DomainError('INSTANCE_NOT_FOUND');
  const { principal } = ctx;
  if (principal.kind === 'customer') {
    if (access === 'read' && instance.customer_id === principal.customerId) return instance;
    throw new DomainError('INSTANCE_NOT_FOUND');
  }
  const role = await tenantRole(ctx, instance.tenant_id);
  if (role === 'none') throw new DomainError('INSTANCE_NOT_FOUND');
  if (role === 'member' && access === 'admin') throw new DomainError('FORBIDDEN');
  return instance;
}
