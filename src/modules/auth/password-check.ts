import type { GqlContext } from '../../graphql/context';
import { recordAudit } from '../../lib/audit';
import { DomainError } from '../../lib/errors';
import { sha256Hex } from '../../lib/secrets';

const normalised = (email: string) => email.trim().toLowerCase();

/**
 * Every check of an account password goes through here: login, `/auth/token`, and the
 * re-authentication that replacing a PIN asks for. Failures count against the address
 * (known or not) toward the login lock (CONTRACT: 10 per address in 15 minutes), so a
 * stolen access token cannot be used to guess the password through another door.
 * `hash` is undefined for an unknown address: one dummy argon2 verification is spent then,
 * so the answer's timing does not tell whether the account exists.
 */
export async function checkAccountPassword(ctx: GqlContext, email: string, hash: string | undefined, password: string): Promise<boolean> {
  const { loginMaxFailures, loginFailureWindowSeconds } = ctx.config.auth;
  const throttleKey = `login-failures:${normalised(email)}`;
  const gate = await ctx.limiter.peek(throttleKey, loginMaxFailures, loginFailureWindowSeconds);
  if (!gate.allowed) throw new DomainError('RATE_LIMITED', { retryAfter: gate.retryAfterSeconds });
  const valid = hash !== undefined ? await ctx.passwords.verify(hash, password) : await ctx.passwords.verifyDummy(password);
  if (!valid) {
    await ctx.limiter.consume(throttleKey, loginMaxFailures, loginFailureWindowSeconds);
    // The address is kept as a digest: failures can be correlated without storing unknown addresses.
    await recordAudit(ctx, ctx.db, { tenantId: null, action: 'login.failed', targetKind: 'email', targetId: sha256Hex(normalised(email)) });
  }
  return valid;
}
