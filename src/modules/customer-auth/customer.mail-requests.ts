import type { Knex } from 'knex';
import type { Services } from '../../graphql/context';
import type { MailRequest } from '../../mail/requests';
import type { CodePurpose } from '../../lib/one-time-codes';
import { Tenant } from '../tenancy/tenancy.model';
import { tenantMailLook } from '../mail/mail-layouts';
import { customerCodeMail } from './customer.mail';
import { Customer } from './customer.model';

export const customerSubject = (customerId: string) => `customer:${customerId}`;

/** A fresh code and its mail (at most one a minute per customer, silently). Call inside `trx`. */
export async function mailCustomerCode(services: Services, trx: Knex.Transaction, customer: Pick<Customer, 'id' | 'email' | 'tenant_id' | 'locale'>, purpose: CodePurpose): Promise<void> {
  const issued = await services.codes.issue(trx, purpose, customerSubject(customer.id));
  if (issued === undefined) return;
  const tenant = await Tenant.query(trx).findById(customer.tenant_id);
  if (!tenant) return;
  const look = await tenantMailLook(trx, tenant, services.config.mail.from);
  await services.outbox.enqueue(trx, customerCodeMail(customer.email, issued, purpose, customer.locale, look));
}

/**
 * The customer mail asked for through `customerLogin`, resolved by the mail-request worker
 * after the endpoint answered (see src/mail/requests.ts for why).
 */
export function customerMailRequestHandlers(services: Services) {
  return {
    /** A login code only for an active customer of that tenant. */
    async customer_login(trx: Knex.Transaction, request: MailRequest): Promise<void> {
      const tenant = request.tenantSlug === null ? undefined : await Tenant.query(trx).findOne({ slug: request.tenantSlug });
      const customer = tenant && (await Customer.query(trx).findOne({ tenant_id: tenant.id, email_lower: request.email }));
      if (customer?.status === 'active') await mailCustomerCode(services, trx, customer, 'customer_login');
    },
  };
}
