import { Arg, Authorized, Ctx, Mutation, Query, Resolver } from 'type-graphql';
import { Role, type CustomerPrincipal } from '../../graphql/auth-checker';
import type { GqlContext } from '../../graphql/context';
import { emailKey } from '../../lib/email-key';
import { DomainError } from '../../lib/errors';
import { RefreshInput } from '../auth/auth.inputs';
import { limitMailRequests } from '../auth/auth.limits';
import { endSession, rotateRefreshToken } from '../auth/session-flows';
import { Plan } from '../tenancy/tenancy.model';
import { CustomerCodeInput, CustomerLoginInput } from './customer.inputs';
import { Customer } from './customer.model';
import { CustomerTokens, CustomerType } from './customer.types';
import { customerByCode, customerTokens, siteUrlOf, startCustomerSession } from './customers';

@Resolver()
export class CustomerAuthResolver {
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
