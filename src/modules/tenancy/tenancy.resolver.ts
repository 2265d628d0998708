import { Arg, Authorized, Ctx, Mutation, Query, Resolver } from 'type-graphql';
import type { GqlContext } from '../../graphql/context';
import { Role } from '../../graphql/auth-checker';
import { isUniqueViolation } from '../../db/errors';
import { scopeToTenants } from '../../db/tenant-scope';
import { tenantToAdminister } from '../access/reach';
import { DomainError } from '../../lib/errors';
import { newId } from '../../lib/ids';
import { AddSharedNodeInput, CreateInstanceInput, CreatePlanInput, CreateTenantInput } from './tenancy.inputs';
import { Instance, Plan, SharedNode, Tenant } from './tenancy.model';
import { InstanceType, PlanType, SharedNodeType, TenantType } from './tenancy.types';
import { freeSiteSlug, takeNodeSlot } from './placement';

function isPlatformAdmin(ctx: GqlContext): boolean {
  return ctx.principal.kind === 'system' || (ctx.principal.kind === 'operator' && ctx.principal.isAdmin);
}

const toTenant = (t: Tenant): TenantType => ({ id: t.id, slug: t.slug, name: t.name, createdAt: t.created_at });
const toPlan = (p: Plan): PlanType => ({
  id: p.id,
  name: p.name,
  description: p.description,
  features: p.features,
  price: p.price,
  displayOrder: p.display_order,
  active: p.active,
});
const toNode = (n: SharedNode): SharedNodeType => ({
  id: n.id,
  tenantId: n.tenant_id,
  hostname: n.hostname,
  baseDomain: n.base_domain,
  capacity: n.capacity,
  used: n.used,
  free: n.capacity - n.used,
});

export function siteUrl(slug: string, baseDomain: string): string {
  return `https://${slug}.${baseDomain}`;
}

const toInstance = (instance: Instance, baseDomain: string): InstanceType => ({
  id: instance.id,
  tenantId: instance.tenant_id,
  nodeId: instance.node_id,
  slug: instance.slug,
  siteUrl: siteUrl(instance.slug, baseDomain),
  status: instance.status,
  createdAt: instance.created_at,
});

@Resolver()
export class TenancyResolver {
  @Authorized(Role.PlatformAdmin)
  @Query(() => [TenantType])
  async tenants(@Ctx() ctx: GqlContext): Promise<TenantType[]> {
    return (await Tenant.query(ctx.db).orderBy('slug')).map(toTenant);
  }

  @Authorized([Role.VerifiedOperator, Role.ApiKey])
  @Query(() => [SharedNodeType], { description: "Shared nodes with capacity and usage: platform admins see all, tenant admins their tenants' nodes." })
  async sharedNodes(@Ctx() ctx: GqlContext): Promise<SharedNodeType[]> {
    const query = SharedNode.query(ctx.db).orderBy('hostname');
    await scopeToTenants(ctx.db, ctx.principal, query, 'shared_nodes.tenant_id');
    return (await query).map(toNode);
  }

  @Authorized([Role.VerifiedOperator, Role.ApiKey])
  @Query(() => [PlanType], { description: "All of a tenant's plans, inactive ones included." })
  async plans(@Arg('tenantSlug') tenantSlug: string, @Ctx() ctx: GqlContext): Promise<PlanType[]> {
    const tenant = await tenantToAdminister(ctx, tenantSlug);
    return (await Plan.query(ctx.db).where('tenant_id', tenant.id).orderBy([{ column: 'display_order' }, { column: 'name' }])).map(toPlan);
  }

  @Authorized([Role.VerifiedOperator, Role.ApiKey])
  @Query(() => [InstanceType], { description: "A tenant's instances (sites) and where they are placed." })
  async instances(@Arg('tenantSlug') tenantSlug: string, @Ctx() ctx: GqlContext): Promise<InstanceType[]> {
    const tenant = await tenantToAdminister(ctx, tenantSlug);
    const rows = await Instance.query(ctx.db)
      .join('shared_nodes', 'shared_nodes.id', 'instances.node_id')
      .where('instances.tenant_id', tenant.id)
      .orderBy('instances.slug')
      .select('instances.*', 'shared_nodes.base_domain');
    return rows.map((instance) => toInstance(instance, (instance as unknown as { base_domain: string }).base_domain));
  }

  @Authorized(Role.PlatformAdmin)
  @Mutation(() => TenantType)
  async createTenant(@Arg('input') input: CreateTenantInput, @Ctx() ctx: GqlContext): Promise<TenantType> {
    const now = ctx.clock.now();
    try {
      const tenant = await Tenant.query(ctx.db).insertAndFetch({
        id: newId(),
        slug: input.slug,
        name: input.name,
        created_at: now,
        updated_at: now,
      });
      return toTenant(tenant);
    } catch (error) {
      if (isUniqueViolation(error)) throw new DomainError('TENANT_SLUG_TAKEN');
      throw error;
    }
  }

  @Authorized([Role.VerifiedOperator, Role.ApiKey])
  @Mutation(() => PlanType, { description: 'Platform admins, and owners/admins of the tenant.' })
  async createPlan(@Arg('input') input: CreatePlanInput, @Ctx() ctx: GqlContext): Promise<PlanType> {
    const tenant = await tenantToAdminister(ctx, input.tenantSlug);
    try {
      const plan = await Plan.query(ctx.db).insertAndFetch({
        id: newId(),
        tenant_id: tenant.id,
        name: input.name,
        description: input.description,
        features: input.features,
        price: input.price,
        display_order: input.displayOrder,
        active: input.active,
        created_at: ctx.clock.now(),
      });
      return toPlan(plan);
    } catch (error) {
      if (isUniqueViolation(error)) throw new DomainError('PLAN_NAME_TAKEN');
      throw error;
    }
  }

  @Authorized([Role.VerifiedOperator, Role.ApiKey])
  @Mutation(() => SharedNodeType, { description: "Platform admins (any node), and owners/admins of the tenant (the tenant's own nodes)." })
  async addSharedNode(@Arg('input') input: AddSharedNodeInput, @Ctx() ctx: GqlContext): Promise<SharedNodeType> {
    if (input.tenantSlug === undefined && !isPlatformAdmin(ctx)) throw new DomainError('FORBIDDEN');
    const tenant = input.tenantSlug === undefined ? null : await tenantToAdminister(ctx, input.tenantSlug);
    try {
      const node = await SharedNode.query(ctx.db).insertAndFetch({
        id: newId(),
        tenant_id: tenant?.id ?? null,
        hostname: input.hostname,
        base_domain: input.baseDomain,
        capacity: input.capacity,
        used: 0,
        created_at: ctx.clock.now(),
      });
      return toNode(node);
    } catch (error) {
      if (isUniqueViolation(error)) throw new DomainError('NODE_HOSTNAME_TAKEN');
      throw error;
    }
  }

  @Authorized([Role.VerifiedOperator, Role.ApiKey])
  @Mutation(() => InstanceType, { description: 'Creates a site and places it on a shared node (one slot). Platform admins, and owners/admins of the tenant.' })
  async createInstance(@Arg('input') input: CreateInstanceInput, @Ctx() ctx: GqlContext): Promise<InstanceType> {
    const tenant = await tenantToAdminister(ctx, input.tenantSlug);
    let nodeId: string | undefined;
    if (input.nodeHostname !== undefined) {
      const node = await SharedNode.query(ctx.db).findOne({ hostname: input.nodeHostname });
      if (!node || (node.tenant_id !== null && node.tenant_id !== tenant.id)) throw new DomainError('NODE_NOT_FOUND');
      nodeId = node.id;
    }
    return ctx.db.transaction(async (trx) => {
      const node = await takeNodeSlot(trx, tenant.id, nodeId);
      const instance = await Instance.query(trx).insertAndFetch({
        id: newId(),
        tenant_id: tenant.id,
        node_id: node.id,
        slug: await freeSiteSlug(trx, input.slug),
        status: 'active',
        created_at: ctx.clock.now(),
      });
      return toInstance(instance, node.base_domain);
    });
  }
}
