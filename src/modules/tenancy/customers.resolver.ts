import { Arg, Authorized, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import { Role } from '../../graphql/auth-checker';
import type { GqlContext } from '../../graphql/context';
import { parseUuid } from '../../pydantic/uuid';
import { Issue } from '../../pydantic/issues';
import { inputValidationError } from '../../validation/errors';
import { customerToAdminister, tenantToAdminister } from '../access/reach';
import { Customer } from '../customer-auth/customer.model';
import { CustomerType } from '../customer-auth/customer.types';
import { CustomerListInput } from './tenancy.inputs';
import { Plan } from './tenancy.model';
import { siteUrl } from './tenancy.resolver';
import { CustomerPage } from './tenancy.types';
import { emitEvent } from '../webhooks/events';

async function describe(ctx: GqlContext, customers: Customer[]): Promise<CustomerType[]> {
  if (customers.length === 0) return [];
  const ids = customers.map((c) => c.id);
  const sites: Array<{ customer_id: string; slug: string; base_domain: string }> = await ctx
    .db('instances')
    .join('shared_nodes', 'shared_nodes.id', 'instances.node_id')
    .whereIn('instances.customer_id', ids)
    .select('instances.customer_id', 'instances.slug', 'shared_nodes.base_domain');
  const plans = await Plan.query(ctx.db).whereIn('id', [...new Set(customers.map((c) => c.plan_id))]).select('id', 'name');
  return customers.map((c) => {
    const site = sites.find((s) => s.customer_id === c.id);
    return {
      id: c.id,
      tenantId: c.tenant_id,
      email: c.email,
      companyName: c.company_name,
      plan: plans.find((p) => p.id === c.plan_id)?.name ?? '',
      status: c.status,
      siteUrl: site ? siteUrl(site.slug, site.base_domain) : undefined,
      createdAt: c.created_at,
    };
  });
}

/** Cursor = the last row's (created_at, id), opaque to clients. */
const encodeCursor = (c: Customer) => Buffer.from(`${c.created_at.toISOString()}|${c.id}`).toString('base64url');

/**
 * A cursor this gateway issued, or `BAD_USER_INPUT`: a forged one never reaches the database
 * (a non-UUID id made PostgreSQL fail where SQLite found nothing).
 */
function decodeCursor(cursor: string): { createdAt: string; id: string } {
  const [createdAt, id, ...rest] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  const parsedId = id === undefined ? undefined : parseUuid(id);
  const time = createdAt === undefined ? Number.NaN : Date.parse(createdAt);
  if (rest.length > 0 || !parsedId?.ok || Number.isNaN(time)) {
    throw inputValidationError([Issue.valueError(['input', 'after'], cursor, 'Invalid cursor')]);
  }
  return { createdAt: new Date(time).toISOString(), id: parsedId.value };
}

@Resolver()
export class CustomerAdminResolver {
  @Authorized([Role.VerifiedOperator, Role.ApiKey])
  @Query(() => CustomerPage, { description: "A tenant's customers, newest first, a page at a time." })
  async customers(@Arg('input') input: CustomerListInput, @Ctx() ctx: GqlContext): Promise<CustomerPage> {
    const tenant = await tenantToAdminister(ctx, input.tenantSlug);
    const query = Customer.query(ctx.db).where('tenant_id', tenant.id).orderBy([{ column: 'created_at', order: 'desc' }, { column: 'id', order: 'desc' }]).limit(input.first + 1);
    if (input.status !== undefined) query.where('status', input.status);
    if (input.after !== undefined) {
      const { createdAt, id } = decodeCursor(input.after);
      query.where((q) => q.where('created_at', '<', createdAt).orWhere((q2) => q2.where('created_at', createdAt).where('id', '<', id)));
    }
    const rows = await query;
    const page = rows.slice(0, input.first);
    return {
      nodes: await describe(ctx, page),
      endCursor: page.length > 0 ? encodeCursor(page[page.length - 1]) : undefined,
      hasNextPage: rows.length > input.first,
    };
  }

  @Authorized([Role.VerifiedOperator, Role.ApiKey])
  @Query(() => CustomerType, { description: 'A customer of a tenant the caller administers.' })
  async customer(@Arg('id', () => ID) id: string, @Ctx() ctx: GqlContext): Promise<CustomerType> {
    const [described] = await describe(ctx, [await customerToAdminister(ctx, id)]);
    return described;
  }

  @Authorized([Role.VerifiedOperator, Role.ApiKey])
  @Mutation(() => CustomerType, { description: 'Suspends a customer: no more codes, refresh fails, sessions end.' })
  async suspendCustomer(@Arg('id', () => ID) id: string, @Ctx() ctx: GqlContext): Promise<CustomerType> {
    const customer = await customerToAdminister(ctx, id);
    await ctx.db.transaction(async (trx) => {
      await Customer.query(trx).patch({ status: 'suspended', updated_at: ctx.clock.now() }).where('id', customer.id);
      await ctx.sessions.revokeAll(trx, 'customer', customer.id, 'suspended');
      await emitEvent(trx, ctx.clock, customer.tenant_id, 'customer.suspended', { customerId: customer.id, email: customer.email, status: 'suspended' });
    });
    const [described] = await describe(ctx, [{ ...customer, status: 'suspended' } as Customer]);
    return described;
  }

  /**
   * Lifts a suspension: the customer is back where the suspension found them, `active` when
   * they had verified their signup (`activated_at`), else `pending` (an unproven address is not
   * activated by an operator). Sessions ended by the suspension stay ended: the customer signs
   * in again. A customer who is not suspended is left as is.
   */
  @Authorized([Role.VerifiedOperator, Role.ApiKey])
  @Mutation(() => CustomerType, { description: 'Lifts a suspension: the customer is active again (pending if they never verified their signup); ended sessions stay ended.' })
  async unsuspendCustomer(@Arg('id', () => ID) id: string, @Ctx() ctx: GqlContext): Promise<CustomerType> {
    const customer = await customerToAdminister(ctx, id);
    if (customer.status !== 'suspended') return (await describe(ctx, [customer]))[0];
    const status = customer.activated_at ? 'active' : 'pending';
    await Customer.query(ctx.db).patch({ status, updated_at: ctx.clock.now() }).where('id', customer.id).where('status', 'suspended');
    const [described] = await describe(ctx, [{ ...customer, status } as Customer]);
    return described;
  }
}
