import type { Knex } from 'knex';
import { DEFAULT_PRIMARY_COLOR, PLATFORM_LAYOUT, type MailLayout } from '../../mail/templates';

/** A tenant's stored layout (`mail_layouts`): every field optional, unset ones fall back. */
export interface MailLayoutRow {
  tenant_id: string;
  sender_name: string | null;
  sender_address: string | null;
  logo_url: string | null;
  primary_color: string | null;
  updated_at: string | Date;
}

/** What a tenant's customer mail looks like and who it is from. */
export interface TenantMailLook {
  layout: MailLayout;
  /** The From header: the tenant's sender name and address, each falling back to MAIL_FROM's. */
  from: string;
}

export async function mailLayoutRow(db: Knex | Knex.Transaction, tenantId: string): Promise<MailLayoutRow | undefined> {
  return db('mail_layouts').where('tenant_id', tenantId).first();
}

/** The address of a From value: `Name <a@b>` gives `a@b`; a bare address is itself. */
export function addressOf(from: string): string {
  return /<([^<>]+)>\s*$/.exec(from)?.[1].trim() ?? from.trim();
}

/**
 * The From header for a tenant's mail. A layout's sender name is validated to hold no quote,
 * backslash, angle bracket or control character; the tenant's name (the default) is not, so
 * those characters become spaces here: the name can neither end the quoted string nor add a
 * header. nodemailer encodes anything non-ASCII.
 */
export function fromHeader(name: string, address: string): string {
  const safe = name.replace(/["\\<>\x00-\x1f\x7f]+/g, ' ').replace(/\s+/g, ' ').trim();
  return safe === '' ? address : `"${safe}" <${address}>`;
}

/** A tenant's layout and sender, for mail to its customers (`platformFrom`: MAIL_FROM). */
export async function tenantMailLook(db: Knex | Knex.Transaction, tenant: { id: string; name: string }, platformFrom: string): Promise<TenantMailLook> {
  const row = await mailLayoutRow(db, tenant.id);
  // One line: the name goes into the subject and one-line places of both parts.
  const name = (row?.sender_name ?? tenant.name).replace(/[\x00-\x1f\x7f]+/g, ' ').trim();
  return {
    layout: { name, logoUrl: row?.logo_url ?? PLATFORM_LAYOUT.logoUrl, primaryColor: row?.primary_color ?? DEFAULT_PRIMARY_COLOR },
    from: fromHeader(name, row?.sender_address ?? addressOf(platformFrom)),
  };
}
