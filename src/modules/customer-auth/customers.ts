import { EMAILED_CODE } from '../../lib/assurance';
import { sessionOrigin } from '../auth/session-flows';
import type { GqlContext } from '../../graphql/context';
import { CUSTOMER_TOKEN_TYPE } from '../../graphql/authenticate';
import type { IssuedRefresh } from '../../db/sessions';
import { emailKey } from '../../lib/email-key';
import { DomainError } from '../../lib/errors';
import { newId } from '../../lib/ids';
import type { CodePurpose } from '../../lib/one-time-codes';
import { checkOneTimeSecret } from '../auth/credential-checks';
import { Instance, Tenant } from '../tenancy/tenancy.model';
import { siteUrl } from '../tenancy/tenancy.resolver';
import { customerSubject, mailCustomerCode } from './customer.mail-requests';
import type { CustomerCodeInput } from './customer.inputs';
import { Customer } from './customer.model';
import { CUSTOMER_ACCESS_TTL_SECONDS, type CustomerTokens } from './customer.types';

/**
 * A tenant's customer as an identity: found by address, signed in with a mailed code, given
 * portal tokens. Customer auth and signup (its verification signs the customer in) share it.
 */

export async function tenantBySlug(ctx: GqlContext, slug: string): Promise<Tenant | undefined> {
  return Tenant.query(ctx.db).findOne({ slug });
}

export async function customerByEmail(ctx: GqlContext, tenantId: string, email: string): Promise<Customer | undefined> {
  return Customer.query(ctx.db).findOne({ tenant_id: tenantId, email_lower: emailKey(email) });
}

export async function siteUrlOf(ctx: GqlContext, customerId: string): Promise<string> {
  const row = await Instance.query(ctx.db)
    .join('shared_nodes', 'shared_nodes.id', 'instances.node_id')
    .where('instances.customer_id', customerId)
    .select('instances.slug', 'shared_nodes.base_domain')
    .first();
  const site = row as unknown as { slug: string; base_domain: string } | undefined;
  return site ? siteUrl(site.slug, site.base_domain) : '';
}

export function customerTokens(ctx: GqlContext, customer: Pick<Customer, 'id' | 'tenant_id'>, issued: IssuedRefresh): CustomerTokens {
  const { amr, acr, authTime } = issued.assurance;
  const accessToken = ctx.jwt.sign(
    { sub: customer.id, tid: customer.tenant_id, typ: CUSTOMER_TOKEN_TYPE, jti: newId(), sid: issued.sessionId, amr, acr, auth_time: authTime },
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
export async function mailCode(ctx: GqlContext, customer: Customer, purpose: CodePurpose): Promise<void> {
  await ctx.db.transaction((trx) => mailCustomerCode(ctx, trx, customer, purpose));
}

/**
 * A code for a tenant's customer: wrong, expired, burned, unknown tenant or unknown address
 * are one answer, 400 `Invalid or expired code`.
 */
export async function customerByCode(ctx: GqlContext, input: CustomerCodeInput, purpose: CodePurpose, status: Customer['status']): Promise<Customer> {
  const tenant = await tenantBySlug(ctx, input.tenantSlug);
  const customer = tenant && (await customerByEmail(ctx, tenant.id, input.email));
  const valid = await checkOneTimeSecret(ctx, async () => !!customer && customer.status === status && (await ctx.codes.verify(ctx.db, purpose, customerSubject(customer.id), input.code)));
  if (!valid || !customer) throw new DomainError('INVALID_CODE');
  return customer;
}

export async function startCustomerSession(ctx: GqlContext, customer: Customer): Promise<CustomerTokens> {
  // Customers sign in with a code mailed to their address (and signup's verification code).
  const issued = await ctx.sessions.start(ctx.db, 'customer', customer.id, ctx.config.auth.customerRefreshTtlSeconds, sessionOrigin(ctx, EMAILED_CODE));
  return customerTokens(ctx, customer, issued);
}
