import type { OperatorPrincipal } from '../../graphql/auth-checker';
import { requestContext, type GqlContext } from '../../graphql/context';
import { recordAudit } from '../../lib/audit';
import { emailKey } from '../../lib/email-key';
import { DomainError } from '../../lib/errors';
import { sha256Hex } from '../../lib/secrets';
import { User } from './auth.model';

/**
 * Every check of an account password goes through here: login, `/auth/token`, and the
 * re-authentication that replacing a PIN asks for. Failures count against the address
 * (known or not) toward the login lock (CONTRACT: 10 per address in 15 minutes), so a
 * stolen access token cannot be used to guess the password through another door, and
 * against the client IP across addresses (credential stuffing).
 *
 * `hash` is undefined for an unknown address: one dummy argon2 verification is spent then,
 * so the answer's timing does not tell whether the account exists.
 */
export async function checkAccountPassword(ctx: GqlContext, email: string, hash: string | undefined, password: string): Promise<boolean> {
  const valid = await countedAccountCheck(ctx, email, () => (hash !== undefined ? ctx.passwords.verify(hash, password) : ctx.passwords.verifyDummy(password)));
  if (valid) return true;
  // The address is kept as a digest: failures can be correlated without storing unknown addresses.
  await recordAudit(requestContext(ctx), ctx.db, { tenantId: null, action: 'login.failed', targetKind: 'email', targetId: sha256Hex(emailKey(email)) });
  return false;
}

/**
 * A check of something only the account's person has (its password, a second factor),
 * counted toward the address's login lock and the client IP's failure budget.
 *
 * Each check is reserved before it runs and given back only when it succeeded: 40 parallel
 * guesses at one address reserve 10 slots and the other 30 are refused before any hashing,
 * in one process or across processes sharing Redis (the old "read the count, hash, then
 * count the failure" let all 40 through). A check that fails with an error rather than a
 * wrong answer gives its slot back: it guessed nothing.
 */
export async function countedAccountCheck(ctx: GqlContext, email: string, check: () => Promise<boolean>): Promise<boolean> {
  const reserved = await ctx.limits.takeAll(['loginFailuresPerIp', ctx.ip], ['loginFailuresPerAddress', emailKey(email)]);
  let valid: boolean;
  try {
    valid = await check();
  } catch (error) {
    await ctx.limits.refund(...reserved);
    throw error;
  }
  if (valid) await ctx.limits.refund(...reserved);
  return valid;
}

/**
 * The signed-in operator's own password, asked again before something a stolen access token
 * alone must not do (replace a PIN, change the password or the address, delete the account).
 * It goes through `checkAccountPassword`, so a wrong one counts toward the address's login
 * lock like a failed login: the access token gives no other door to guess through.
 * Returns the account as it is now; a wrong password is `INVALID_CURRENT_PASSWORD`.
 */
export async function checkOwnPassword(ctx: GqlContext, password: string): Promise<User> {
  const { userId } = ctx.principal as OperatorPrincipal;
  const user = await User.query(ctx.db).findById(userId);
  if (!user || !(await checkAccountPassword(ctx, user.email, user.password_hash, password))) throw new DomainError('INVALID_CURRENT_PASSWORD');
  return user;
}

/**
 * A one-time code or reset-link check (verify email, signup verify, customer verify, reset
 * password). Each code has its own 5 tries in the database; across codes, failures also count
 * against the client IP's budget, reserved before the check like passwords, so one client
 * cannot spread guesses over many addresses. An unknown address or a code already burned is a
 * failure like a wrong code. (Refresh tokens are not counted per IP: a 256-bit single-use
 * token cannot be guessed, and a stale one from a logged-out tab is ordinary traffic.)
 */
export async function checkOneTimeSecret(ctx: GqlContext, check: () => Promise<boolean>): Promise<boolean> {
  const reserved = await ctx.limits.take('loginFailuresPerIp', ctx.ip);
  const valid = await check();
  if (valid) await ctx.limits.refund(reserved);
  return valid;
}
