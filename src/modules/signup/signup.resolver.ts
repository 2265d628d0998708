import { Arg, Ctx, Mutation, Query, Resolver } from 'type-graphql';
import type { GqlContext } from '../../graphql/context';
import { isUniqueViolation } from '../../db/errors';
import { emailKey } from '../../lib/email-key';
import { DomainError } from '../../lib/errors';
import { newId } from '../../lib/ids';
import { mailCustomerCode } from '../customer-auth/customer.mail-requests';
import { CustomerCodeInput } from '../customer-auth/customer.inputs';
import { Customer } from '../customer-auth/customer.model';
import { CustomerTokens } from '../customer-auth/customer.types';
import { customerByCode, customerByEmail, mailCode, siteUrlOf, startCustomerSession, tenantBySlug } from '../customer-auth/customers';
import { freeSiteSlug, slugify, takeNodeSlot } from '../tenancy/placement';
import { Instance, Plan, SharedNode, Tenant } from '../tenancy/tenancy.model';
import { siteUrl } from '../tenancy/tenancy.resolver';
import { PublicPlan } from '../tenancy/tenancy.types';
import { emitEvent } from '../webhooks/events';
import { SignupInput } from './signup.inputs';
import { SignupResult } from './signup.types';

export const SIGNUP_MESSAGE = 'Check your email to get started';

/**
 * The placement of a new customer, all or nothing: the pending customer, a slot on the
 * emptiest shared node (tenant's first, then the global pool), the site, the verification
 * code and its mail commit together, or nothing is left behind (e.g. no capacity: 503).
 */
async function createPendingCustomer(ctx: GqlContext, tenant: Tenant, plan: Plan, input: SignupInput): Promise<SignupResult> {
  const now = ctx.clock.now();
  return ctx.db.transaction(async (trx) => {
    const customer = await Customer.query(trx).insertAndFetch({
      id: newId(),
      tenant_id: tenant.id,
      email: input.email,
      email_lower: emailKey(input.email),
      company_name: input.companyName,
      plan_id: plan.id,
      status: 'pending',
      locale: input.locale ?? 'en',
      created_at: now,
      updated_at: now,
      activated_at: null,
    });
    const node: SharedNode = await takeNodeSlot(trx, tenant.id);
    const slug = await freeSiteSlug(trx, slugify(input.companyName));
    await Instance.query(trx).insert({ id: newId(), tenant_id: tenant.id, node_id: node.id, customer_id: customer.id, slug, status: 'active', created_at: now });
    await mailCustomerCode(ctx, trx, customer, 'signup_verify');
    await emitEvent(trx, ctx.clock, tenant.id, 'customer.signed_up', { customerId: customer.id, email: customer.email, companyName: customer.company_name, plan: plan.name, status: 'pending' });
    return { customerId: customer.id, message: SIGNUP_MESSAGE, siteUrl: siteUrl(slug, node.base_domain) };
  });
}

/** The public signup router (CONTRACT section 4, "Customer signup"): plans, signup, verification. */
@Resolver()
export class SignupResolver {
  @Query(() => [PublicPlan], { description: "A tenant's active plans in display order (public)." })
  async publicPlans(@Arg('tenantSlug') tenantSlug: string, @Ctx() ctx: GqlContext): Promise<PublicPlan[]> {
    const tenant = await tenantBySlug(ctx, tenantSlug);
    if (!tenant) throw new DomainError('TENANT_NOT_FOUND');
    const plans = await Plan.query(ctx.db)
      .select('name', 'description', 'features', 'price')
      .where({ tenant_id: tenant.id, active: true })
      .orderBy([{ column: 'display_order' }, { column: 'name' }]);
    return plans.map((p) => ({ description: p.description, features: p.features, name: p.name, price: p.price }));
  }

  @Mutation(() => SignupResult, { description: 'Public signup: a pending customer placed on a shared node; mails a code.' })
  async signup(@Arg('input') input: SignupInput, @Ctx() ctx: GqlContext): Promise<SignupResult> {
    const tenant = await tenantBySlug(ctx, input.tenantSlug);
    if (!tenant) throw new DomainError('TENANT_NOT_FOUND');
    const plan = await Plan.query(ctx.db).findOne({ tenant_id: tenant.id, name: input.plan, active: true });
    if (!plan) throw new DomainError('UNKNOWN_PLAN');
    for (let attempt = 0; attempt < 3; attempt += 1) {
      const existing = await customerByEmail(ctx, tenant.id, input.email);
      // A pending signup past its time holds nothing any more: release it and sign up afresh.
      if (existing?.status === 'pending' && ctx.pendingSignups.isExpired(existing.created_at) && (await ctx.pendingSignups.release(existing.id))) continue;
      if (existing) {
        if (existing.status !== 'pending') throw new DomainError('CUSTOMER_EXISTS');
        // Signing up again while pending re-sends a code and answers the same: no second
        // placement, and at most a few mails per address per window (then silently none).
        if ((await ctx.limits.check('signupMailsPerAddress', `${tenant.id}:${existing.email_lower}`)).allowed) await mailCode(ctx, existing, 'signup_verify');
        return { customerId: existing.id, message: SIGNUP_MESSAGE, siteUrl: await siteUrlOf(ctx, existing.id) };
      }
      // A new placement holds a node slot while pending: counted per client and per tenant.
      const reserved = await ctx.limits.takeAll(['signupsPerIp', ctx.ip], ['signupsPerTenant', tenant.id]);
      try {
        return await createPendingCustomer(ctx, tenant, plan, input);
      } catch (error) {
        await ctx.limits.refund(...reserved);
        // The same address signed up concurrently: answer as for a pending customer.
        if (isUniqueViolation(error)) continue;
        // Full: expired pending signups may still hold slots the sweeper has not reached yet.
        if (error instanceof DomainError && error.code === 'NO_CAPACITY' && (await ctx.pendingSignups.releaseExpired()) > 0) continue;
        throw error;
      }
    }
    throw new DomainError('CUSTOMER_EXISTS');
  }

  @Mutation(() => CustomerTokens, { description: 'Confirms a signup with the mailed code: the customer becomes active and is signed in.' })
  async signupVerify(@Arg('input') input: CustomerCodeInput, @Ctx() ctx: GqlContext): Promise<CustomerTokens> {
    const customer = await customerByCode(ctx, input, 'signup_verify', 'pending');
    const now = ctx.clock.now();
    // The activation and its event commit together (a lost race writes no event).
    const activated = await ctx.db.transaction(async (trx) => {
      const changed = await Customer.query(trx).patch({ status: 'active', activated_at: now, updated_at: now }).where({ id: customer.id, status: 'pending' });
      if (changed === 1) await emitEvent(trx, ctx.clock, customer.tenant_id, 'customer.verified', { customerId: customer.id, email: customer.email, status: 'active' });
      return changed;
    });
    if (activated !== 1) throw new DomainError('INVALID_CODE');
    return startCustomerSession(ctx, customer);
  }
}
