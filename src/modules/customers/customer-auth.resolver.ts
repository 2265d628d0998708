import { Arg, Authorized, Ctx, Mutation, Query, Resolver } from 'type-graphql';
import { Role, type CustomerPrincipal } from '../../graphql/auth-checker';
import { CUSTOMER_TOKEN_TYPE } from '../../graphql/authenticate';
import type { GqlContext } from '../../graphql/context';
import { isUniqueViolation } from '../../db/errors';
import { emailKey } from '../../lib/email-key';
import { DomainError } from '../../lib/errors';
import { newId } from '../../lib/ids';
import type { CodePurpose } from '../../lib/one-time-codes';
import type { IssuedRefresh } from '../../db/sessions';
import { RefreshInput } from '../auth/auth.inputs';
import { limitMailRequests } from '../auth/auth.limits';
import { checkOneTimeSecret } from '../auth/credential-checks';
import { endSession, rotateRefreshToken } from '../auth/session-flows';
import { freeSiteSlug, slugify, takeNodeSlot } from '../tenancy/placement';
import { Instance, Plan, SharedNode, Tenant } from '../tenancy/tenancy.model';
import { siteUrl } from '../tenancy/tenancy.resolver';
import { customerSubject, mailCustomerCode } from './customer.mail-requests';
import { CustomerCodeInput, CustomerLoginInput, SignupInput } from './customer.inputs';
import { Customer } from './customer.model';
import { CUSTOMER_ACCESS_TTL_SECONDS, CustomerTokens, CustomerType, SignupResult } from './customer.types';

export const SIGNUP_MESSAGE = 'Check your email to get started';

async function tenantBySlug(ctx: GqlContext, slug: string): Promise<Tenant | undefined> {
  return Tenant.query(ctx.db).findOne({ slug });
}

async function customerByEmail(ctx: GqlContext, tenantId: string, email: string): Promise<Customer | undefined> {
  return Customer.query(ctx.db).findOne({ tenant_id: tenantId, email_lower: emailKey(email) });
}

async function siteUrlOf(ctx: GqlContext, customerId: string): Promise<string> {
  const row = await Instance.query(ctx.db)
    .join('shared_nodes', 'shared_nodes.id', 'instances.node_id')
    .where('instances.customer_id', customerId)
    .select('instances.slug', 'shared_nodes.base_domain')
    .first();
  const site = row as unknown as { slug: string; base_domain: string } | undefined;
  return site ? siteUrl(site.slug, site.base_domain) : '';
}

function customerTokens(ctx: GqlContext, customer: Pick<Customer, 'id' | 'tenant_id'>, issued: IssuedRefresh): CustomerTokens {
  const accessToken = ctx.jwt.sign(
    { sub: customer.id, tid: customer.tenant_id, typ: CUSTOMER_TOKEN_TYPE, jti: newId(), sid: issued.sessionId },
    CUSTOMER_ACCESS_TTL_SECONDS,
  );
  return {
    accessToken,
    customerId: customer.id,
    expiresIn: CUSTOMER_ACCESS_TTL_SECONDS,
    refreshToken: issued.refreshToken,
    tenantId: customer.tenant_id,
    tokenType: 'bearer',
  };
}

/** Mails a fresh code (at most one a minute per customer, silently) in one transaction. */
async function mailCode(ctx: GqlContext, customer: Customer, purpose: CodePurpose): Promise<void> {
  await ctx.db.transaction((trx) => mailCustomerCode(ctx, trx, customer, purpose));
}

/**
 * A code for a tenant's customer: wrong, expired, burned, unknown tenant or unknown address
 * are one answer, 400 `Invalid or expired code`.
 */
async function customerByCode(ctx: GqlContext, input: CustomerCodeInput, purpose: CodePurpose, status: Customer['status']): Promise<Customer> {
  const tenant = await tenantBySlug(ctx, input.tenantSlug);
  const customer = tenant && (await customerByEmail(ctx, tenant.id, input.email));
  const valid = await checkOneTimeSecret(ctx, async () => !!customer && customer.status === status && (await ctx.codes.verify(ctx.db, purpose, customerSubject(customer.id), input.code)));
  if (!valid || !customer) throw new DomainError('INVALID_CODE');
  return customer;
}

async function startCustomerSession(ctx: GqlContext, customer: Customer): Promise<CustomerTokens> {
  const issued = await ctx.sessions.start(ctx.db, 'customer', customer.id, ctx.config.auth.customerRefreshTtlSeconds);
  return customerTokens(ctx, customer, issued);
}

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
      created_at: now,
      updated_at: now,
      activated_at: null,
    });
    const node: SharedNode = await takeNodeSlot(trx, tenant.id);
    const slug = await freeSiteSlug(trx, slugify(input.companyName));
    await Instance.query(trx).insert({ id: newId(), tenant_id: tenant.id, node_id: node.id, customer_id: customer.id, slug, status: 'active', created_at: now });
    await mailCustomerCode(ctx, trx, customer, 'signup_verify');
    return { customerId: customer.id, message: SIGNUP_MESSAGE, siteUrl: siteUrl(slug, node.base_domain) };
  });
}

@Resolver()
export class CustomerAuthResolver {
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
    const activated = await Customer.query(ctx.db).patch({ status: 'active', activated_at: now, updated_at: now }).where({ id: customer.id, status: 'pending' });
    if (activated !== 1) throw new DomainError('INVALID_CODE');
    return startCustomerSession(ctx, customer);
  }

  @Mutation(() => Boolean, { description: 'Mails a login code to an active customer of the tenant. Answers the same for anyone.' })
  async customerLogin(@Arg('input') input: CustomerLoginInput, @Ctx() ctx: GqlContext): Promise<boolean> {
    await limitMailRequests(ctx, 'customer-login');
    // The same single insert for any tenant and address: the timing cannot tell who is a customer.
    await ctx.mailRequests.enqueue(ctx.db, { kind: 'customer_login', email: emailKey(input.email), tenantSlug: input.tenantSlug });
    return true;
  }

  @Mutation(() => CustomerTokens, { description: 'Signs a customer in with the mailed login code.' })
  async customerVerify(@Arg('input') input: CustomerCodeInput, @Ctx() ctx: GqlContext): Promise<CustomerTokens> {
    return startCustomerSession(ctx, await customerByCode(ctx, input, 'customer_login', 'active'));
  }

  @Mutation(() => CustomerTokens, { description: 'Rotates a customer refresh token (same grace and reuse rules as operators).' })
  async customerRefresh(@Arg('input') input: RefreshInput, @Ctx() ctx: GqlContext): Promise<CustomerTokens> {
    const issued = await rotateRefreshToken(ctx, input.refreshToken, 'customer');
    const customer = await Customer.query(ctx.db).findById(issued.subjectId);
    if (!customer || customer.status !== 'active') {
      await ctx.sessions.revokeSession(issued.sessionId, 'customer_inactive');
      throw new DomainError('INVALID_REFRESH_TOKEN');
    }
    return customerTokens(ctx, customer, issued);
  }

  @Mutation(() => Boolean, { description: 'Ends the customer session of the refresh token (or access token). Never fails.' })
  async customerLogout(@Arg('input') input: RefreshInput, @Ctx() ctx: GqlContext): Promise<boolean> {
    return endSession(ctx, input.refreshToken, 'customer');
  }

  @Authorized(Role.Customer)
  @Query(() => CustomerType, { description: 'The signed-in customer (portal token) and their site.' })
  async portalMe(@Ctx() ctx: GqlContext): Promise<CustomerType> {
    const principal = ctx.principal as CustomerPrincipal;
    const customer = await Customer.query(ctx.db).findOne({ id: principal.customerId, tenant_id: principal.tenantId });
    if (!customer) throw new DomainError('INVALID_TOKEN');
    const plan = await Plan.query(ctx.db).findById(customer.plan_id);
    return {
      id: customer.id,
      tenantId: customer.tenant_id,
      email: customer.email,
      companyName: customer.company_name,
      plan: plan?.name ?? '',
      status: customer.status,
      siteUrl: await siteUrlOf(ctx, customer.id),
      createdAt: customer.created_at,
    };
  }
}
