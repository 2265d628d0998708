import type { OutgoingMail } from '../../mail/message';
import { mailTemplates } from '../../mail/templates';
import { CODE_TTL_MS, type CodePurpose, type IssuedCode } from '../../lib/one-time-codes';
import type { TenantMailLook } from '../mail/mail-layouts';

/**
 * A customer's login or signup code, from templates/mail/<locale>/ (customer_login,
 * signup_verify), in the customer's language and the tenant's layout, from the tenant's sender.
 */
export function customerCodeMail(to: string, { code, expiresAt }: IssuedCode, purpose: CodePurpose, locale: string, look: TenantMailLook): OutgoingMail {
  const name = purpose === 'signup_verify' ? 'signup_verify' : 'customer_login';
  const rendered = mailTemplates().render(name, locale, { code, minutes: CODE_TTL_MS / 60_000 }, look.layout);
  return { to, expiresAt, from: look.from, ...rendered };
}
