import type { GqlContext } from '../../graphql/context';
import { requireTenantAccess, type Access } from '../../db/tenant-scope';
import { DomainError } from '../../lib/errors';
import { Customer } from '../customer-auth/customer.model';
import { Instance, Tenant } from '../tenancy/tenancy.model';

/**
 * The tenant-owned resources a caller reaches, each found and checked with the one rule of
 * `db/tenant-scope.ts` (CONTRACT section 4; docs/security.md "Not yours vs not allowed"):
 * outside the tenant, the resource does not exist (its own 404); a plain member asked to
 * administer is refused (403). A customer reaches only its own instance, to read its policy
 * and confirm PINs. Ids arrive canonical (the schema's `guardArguments` checks every `ID`).
 */

/** A tenant the caller administers, by slug; `Tenant not found` when out of reach. */
export async function tenantToAdminister(ctx: GqlContext, slug: string): Promise<Tenant> {
  const tenant = await Tenant.query(ctx.db).findOne({ slug });
  if (!tenant) throw new DomainError('TENANT_NOT_FOUND');
  await requireTenantAccess(ctx.db, ctx.principal, tenant.id, 'administer', 'TENANT_NOT_FOUND');
  return tenant;
}

/** A customer the caller administers; `Customer not found` when out of reach. */
export async function customerToAdminister(ctx: GqlContext, customerId: string): Promise<Customer> {
  const customer = await Customer.query(ctx.db).findById(customerId);
  if (!customer) throw new DomainError('CUSTOMER_NOT_FOUND');
  await requireTenantAccess(ctx.db, ctx.principal, customer.tenant_id, 'administer', 'CUSTOMER_NOT_FOUND');
  return customer;
}

/** An instance the caller may read or administer; `Instance not found` when out of reach. */
export async function instanceInReach(ctx: GqlContext, instanceId: string, access: Access): Promise<Instance> {
  return assertInstanceReach(ctx, await Instance.query(ctx.db).findById(instanceId), access);
}

/** The same rule for an instance already read (or undefined when there is none). */
export async function assertInstanceReach<T extends Pick<Instance, 'tenant_id' | 'customer_id'>>(ctx: GqlContext, instance: T | undefined, access: Access): Promise<T> {
  if (!instance) throw new DomainError('INSTANCE_NOT_FOUND');
  const { principal } = ctx;
  if (principal.kind === 'customer') {
    if (access === 'read' && instance.customer_id === principal.customerId) return instance;
    throw new DomainError('INSTANCE_NOT_FOUND');
  }
  await requireTenantAccess(ctx.db, principal, instance.tenant_id, access, 'INSTANCE_NOT_FOUND');
  return instance;
}

/** A tenant-owned row (an API key, ...) the caller administers; `notFound` when out of reach. */
export async function rowToAdminister<T extends { tenant_id: string }>(ctx: GqlContext, row: T | undefined, notFound: ConstructorParameters<typeof DomainError>[0]): Promise<T> {
  if (!row) throw new DomainError(notFound);
  await requireTenantAccess(ctx.db, ctx.principal, row.tenant_id, 'administer', notFound);
  return row;
}
