import type { OutgoingMail } from '../../mail/message';
import { inWords } from '../../lib/durations';
import { CODE_TTL_MS, type IssuedCode } from '../../lib/one-time-codes';

export function verificationCodeMail(to: string, { code, expiresAt }: IssuedCode): OutgoingMail {
  return {
    to,
    expiresAt,
    subject: 'Your HydraCore verification code',
    text: `Your verification code is ${code}\n\nIt expires in ${inWords(CODE_TTL_MS)}. If you did not create a HydraCore account, ignore this message.\n`,
  };
}

export function passwordResetMail(to: string, link: string, expiresAt: Date, validForMs: number): OutgoingMail {
  return {
    to,
    expiresAt,
    subject: 'Reset your HydraCore password',
    text: `To choose a new password, open this link within ${inWords(validForMs)}:\n\n${link}\n\nIf you did not ask for it, ignore this message: your password stays as it is.\n`,
  };
}
