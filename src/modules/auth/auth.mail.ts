import type { FrontendConfig } from '../../config';
import type { OutgoingMail } from '../../mail/message';
import { operatorMail } from '../../mail/templates';
import { inWords } from '../../lib/durations';
import { CODE_TTL_MS, type IssuedCode } from '../../lib/one-time-codes';

/**
 * A page of the frontend (SITE_URL + its configured path) with its query, for a mailed link.
 * The verification link carries the address only: the code is typed on the page (a code in a
 * URL would end up in browser history and proxy logs).
 */
export function frontendLink(frontend: FrontendConfig, page: 'resetPassword' | 'verifyEmail', query: Record<string, string>): string {
  const path = page === 'resetPassword' ? frontend.resetPasswordPath : frontend.verifyEmailPath;
  return `${frontend.siteUrl}${path}?${new URLSearchParams(query).toString()}`;
}

export function verificationCodeMail(to: string, { code, expiresAt }: IssuedCode, link: string): OutgoingMail {
  return operatorMail(to, 'Your HydraCore verification code', `Your verification code is ${code}\n\nEnter it at ${link}\n\nIt expires in ${inWords(CODE_TTL_MS)}. If you did not create a HydraCore account, ignore this message.\n`, expiresAt);
}

export function passwordResetMail(to: string, link: string, expiresAt: Date, validForMs: number): OutgoingMail {
  return operatorMail(to, 'Reset your HydraCore password', `To choose a new password, open this link within ${inWords(validForMs)}:\n\n${link}\n\nIf you did not ask for it, ignore this message: your password stays as it is.\n`, expiresAt);
}
