import type { OutgoingMail } from '../../mail/message';
import { inWords } from '../../lib/durations';
import { CODE_TTL_MS, type IssuedCode } from '../../lib/one-time-codes';

/** The code that proves the operator receives mail at the address they are moving to. */
export function emailChangeCodeMail(to: string, { code, expiresAt }: IssuedCode): OutgoingMail {
  return {
    to,
    expiresAt,
    subject: 'Confirm your new HydraCore address',
    text: `Your confirmation code is ${code}\n\nEnter it where you asked to use this address for your HydraCore account. It expires in ${inWords(CODE_TTL_MS)}.\n\nIf you did not ask for it, ignore this message: nothing changes.\n`,
  };
}

/** Said to the account's address after its password changed (the other sessions were ended). */
export function passwordChangedMail(to: string): OutgoingMail {
  return {
    to,
    subject: 'Your HydraCore password was changed',
    text: 'The password of your HydraCore account was just changed, and every other session of the account was signed out.\n\nIf you did not do this, reset your password now with "Forgot password" and tell your platform administrator.\n',
  };
}

/**
 * Said to the old address once the account moved to a new one. The new address is not named:
 * the old mailbox may no longer be the operator's (a former employer's, say), and it needs only
 * to learn that it stopped receiving the account's mail.
 */
export function emailChangedMail(to: string): OutgoingMail {
  return {
    to,
    subject: 'Your HydraCore address was changed',
    text: 'Your HydraCore account now uses another email address: this address no longer receives its mail, and password-reset links sent here earlier no longer work.\n\nIf you did not do this, tell your platform administrator at once.\n',
  };
}
