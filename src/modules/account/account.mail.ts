import type { OutgoingMail } from '../../mail/message';
import { operatorMail } from '../../mail/templates';
import { inWords } from '../../lib/durations';
import { CODE_TTL_MS, type IssuedCode } from '../../lib/one-time-codes';

/** The code that proves the operator receives mail at the address they are moving to. */
export function emailChangeCodeMail(to: string, { code, expiresAt }: IssuedCode): OutgoingMail {
  return operatorMail(to, 'Confirm your new HydraCore address', `Your confirmation code is ${code}\n\nEnter it where you asked to use this address for your HydraCore account. It expires in ${inWords(CODE_TTL_MS)}.\n\nIf you did not ask for it, ignore this message: nothing changes.\n`, expiresAt);
}

/** Said to the account's address after its password changed (the other sessions were ended). */
export function passwordChangedMail(to: string): OutgoingMail {
  return operatorMail(to, 'Your HydraCore password was changed', 'The password of your HydraCore account was just changed, and every other session of the account was signed out.\n\nIf you did not do this, reset your password now with "Forgot password" and tell your platform administrator.\n');
}

/**
 * Said to the old address once the account moved to a new one. The new address is not named:
 * the old mailbox may no longer be the operator's (a former employer's, say), and it needs only
 * to learn that it stopped receiving the account's mail.
 */
export function emailChangedMail(to: string): OutgoingMail {
  return operatorMail(to, 'Your HydraCore address was changed', 'Your HydraCore account now uses another email address: this address no longer receives its mail, and password-reset links sent here earlier no longer work.\n\nIf you did not do this, tell your platform administrator at once.\n');
}

/** A change to how the account signs in, which its owner must hear of whoever made it. */
export type SecurityChange = 'totp_enabled' | 'totp_disabled' | 'recovery_codes_regenerated' | 'passkey_added' | 'passkey_removed' | 'factors_reset';

const SECURITY_CHANGES: Record<SecurityChange, { subject: string; what: string }> = {
  totp_enabled: {
    subject: 'Two-factor sign-in was turned on for your HydraCore account',
    what: 'An authenticator app now protects your HydraCore account: signing in asks for its code after the password.',
  },
  totp_disabled: {
    subject: 'Two-factor sign-in was turned off for your HydraCore account',
    what: 'Your HydraCore account no longer asks for an authenticator code, and its recovery codes no longer work.',
  },
  recovery_codes_regenerated: {
    subject: 'New recovery codes were made for your HydraCore account',
    what: 'New recovery codes were made for your HydraCore account; the earlier ones no longer work.',
  },
  passkey_added: {
    subject: 'A passkey was added to your HydraCore account',
    what: 'A new passkey can now sign in to your HydraCore account.',
  },
  factors_reset: {
    subject: 'The second factors of your HydraCore account were removed',
    what: 'A platform administrator removed every second factor of your HydraCore account (authenticator app, recovery codes, passkeys) and signed out all its sessions. Sign in with your password and set them up again.',
  },
  passkey_removed: {
    subject: 'A passkey was removed from your HydraCore account',
    what: 'A passkey of your HydraCore account was removed: it can no longer sign in.',
  },
};

/**
 * Said to the account's address whenever a factor is added, replaced or removed (issue 18).
 * Such a change needs an aal2 session once the account has a factor, but the first factor is
 * added with whatever session the operator has: a stolen access token could bind its own
 * authenticator and lock the owner out. This notice is how the owner learns of it.
 */
export function securityChangeMail(to: string, change: SecurityChange): OutgoingMail {
  const { subject, what } = SECURITY_CHANGES[change];
  return operatorMail(to, subject, `${what}\n\nIf you did not do this, someone else may be signed in to your account: tell your platform administrator at once.\n`);
}
