import type { OutgoingMail } from '../../mail/message';
import { inWords } from '../../lib/durations';
import { CODE_TTL_MS, type CodePurpose, type IssuedCode } from '../../lib/one-time-codes';

export function customerCodeMail(to: string, { code, expiresAt }: IssuedCode, purpose: CodePurpose): OutgoingMail {
  const signup = purpose === 'signup_verify';
  return {
    to,
    expiresAt,
    subject: signup ? 'Confirm your new site' : 'Your login code',
    text: `Your ${signup ? 'confirmation' : 'login'} code is ${code}\n\nIt expires in ${inWords(CODE_TTL_MS)}. If you did not ask for it, ignore this message.\n`,
  };
}
