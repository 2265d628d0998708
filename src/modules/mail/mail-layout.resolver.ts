import { Arg, Args, Authorized, Ctx, Mutation, Query, Resolver } from 'type-graphql';
import { Role, type CustomerPrincipal } from '../../graphql/auth-checker';
import { requestContext, type GqlContext } from '../../graphql/context';
import { recordAudit } from '../../lib/audit';
import { DomainError } from '../../lib/errors';
import { tenantToAdminister } from '../access/reach';
import { Customer } from '../customer-auth/customer.model';
import type { Tenant } from '../tenancy/tenancy.model';
import { MailLayoutInput, PortalLocaleArgs } from './mail.inputs';
import { mailLayoutRow, tenantMailLook, type MailLayoutRow } from './mail-layouts';
import { MailLayoutType } from './mail.types';

function toMailLayout(tenant: Tenant, row: MailLayoutRow | undefined, from: string): MailLayoutType {
  return {
    tenantSlug: tenant.slug,
    senderName: row?.sender_name ?? null,
    senderAddress: row?.sender_address ?? null,
    logoUrl: row?.logo_url ?? null,
    primaryColor: row?.primary_color ?? null,
    from,
  };
}

/**
 * A tenant's mail layout (issue 19), managed by its admins (operators: the layout decides whose
 * name customer mail carries, so API keys, which manage neither keys nor people, do not change
 * it), and the language a customer gets mail in.
 */
@Resolver()
export class MailLayoutResolver {
  @Authorized(Role.VerifiedOperator)
  @Query(() => MailLayoutType, { description: "A tenant's mail layout (tenant admins)." })
  async mailLayout(@Arg('tenantSlug') tenantSlug: string, @Ctx() ctx: GqlContext): Promise<MailLayoutType> {
    const tenant = await tenantToAdminister(ctx, tenantSlug);
    const look = await tenantMailLook(ctx.db, tenant, ctx.config.mail.from);
    return toMailLayout(tenant, await mailLayoutRow(ctx.db, tenant.id), look.from);
  }

  @Authorized(Role.VerifiedOperator)
  @Mutation(() => MailLayoutType, { description: "Replaces a tenant's mail layout (tenant admins); fields left out or null return to the default." })
  async updateMailLayout(@Arg('input') input: MailLayoutInput, @Ctx() ctx: GqlContext): Promise<MailLayoutType> {
    const tenant = await tenantToAdminister(ctx, input.tenantSlug);
    const row = {
      tenant_id: tenant.id,
      sender_name: input.senderName ?? null,
      sender_address: input.senderAddress ?? null,
      logo_url: input.logoUrl ?? null,
      primary_color: input.primaryColor?.toLowerCase() ?? null,
      updated_at: ctx.clock.now().toISOString(),
    };
    await ctx.db.transaction(async (trx) => {
      // One statement on both engines: concurrent updates each leave a whole layout, the last one wins.
      await trx('mail_layouts').insert(row).onConflict('tenant_id').merge();
      await recordAudit(requestContext(ctx), trx, {
        tenantId: tenant.id,
        action: 'mail_layout.updated',
        targetKind: 'tenant',
        targetId: tenant.id,
        details: { senderName: row.sender_name, senderAddress: row.sender_address, logoUrl: row.logo_url, primaryColor: row.primary_color },
      });
    });
    const look = await tenantMailLook(ctx.db, tenant, ctx.config.mail.from);
    return toMailLayout(tenant, row, look.from);
  }

  @Authorized(Role.Customer)
  @Query(() => String, { description: "The signed-in customer's language for mail (portal token)." })
  async portalLocale(@Ctx() ctx: GqlContext): Promise<string> {
    return (await signedInCustomer(ctx)).locale;
  }

  @Authorized(Role.Customer)
  @Mutation(() => String, { description: 'Sets the language of the signed-in customer\'s mail (`en`, `de`, `de-AT`, ...; one without templates gets English). Returns it.' })
  async setPortalLocale(@Args() { locale }: PortalLocaleArgs, @Ctx() ctx: GqlContext): Promise<string> {
    const customer = await signedInCustomer(ctx);
    await Customer.query(ctx.db).patch({ locale, updated_at: ctx.clock.now() }).where({ id: customer.id, tenant_id: customer.tenant_id });
    return locale;
  }
}

async function signedInCustomer(ctx: GqlContext): Promise<Customer> {
  const principal = ctx.principal as CustomerPrincipal;
  const customer = await Customer.query(ctx.db).findOne({ id: principal.customerId, tenant_id: principal.tenantId });
  if (!customer) throw new DomainError('INVALID_TOKEN');
  return customer;
}
