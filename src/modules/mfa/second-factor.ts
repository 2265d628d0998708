import { createHmac, randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import { requestContext, type GqlContext } from '../../graphql/context';
import { recordAudit } from '../../lib/audit';
import { DomainError } from '../../lib/errors';
import { newId } from '../../lib/ids';
import { hmacHex, openWith, sealWith } from '../../lib/secrets';
import { base32Decode, base32Encode, matchingTimeStep, TOTP_DIGITS } from '../../lib/totp';
import { countedAccountCheck } from '../auth/credential-checks';

/**
 * Operators' second factor: a TOTP authenticator and its recovery codes (issue 18; the
 * decisions are in docs/security.md, "Second factors").
 *
 * - The TOTP secret is stored sealed (AES-256-GCM, `sealWith`) under MFA_ENCRYPTION_KEY with
 *   the user id in the key derivation: a copy of the database yields no secret, and a sealed
 *   secret moved to another user's row does not open.
 * - A TOTP code is accepted once per account: the row keeps the last accepted time step, and
 *   a code is accepted only by a conditional UPDATE to a later step, so the same code sent
 *   twice, in parallel or in aliases, succeeds at most once.
 * - Recovery codes are 50 random bits each, stored as HMAC-SHA-256 under a key derived from
 *   MFA_ENCRYPTION_KEY. A plain SHA-256 would do for a 256-bit token, but 50 bits can be
 *   brute-forced offline from a stolen table (2^50 SHA-256 is days on one GPU); keyed, the
 *   table alone reveals nothing. Online guessing is bounded by the login lock.
 */
export const RECOVERY_CODE_COUNT = 10;
/** Base32 characters per recovery code: 10 × 5 = 50 bits, written `xxxxx-xxxxx`. */
const RECOVERY_CODE_CHARS = 10;
/** Longer input is no code of ours (a recovery code with separators is 11 characters). */
const MAX_CODE_INPUT = 64;

export type SecondFactorKind = 'totp' | 'recovery';
/** What a code was checked for, recorded with a failure. */
export type SecondFactorPurpose = 'sign_in' | 'step_up' | 'confirm' | 'disable';

const iso = (date: Date) => date.toISOString();

/** The key material `sealWith` derives each user's own key from. */
const sealingSecret = (mfaKey: Buffer) => mfaKey.toString('base64');
const sealingPurpose = (userId: string) => `hydracore totp secret\u0000${userId}`;

export function sealTotpSecret(mfaKey: Buffer, userId: string, secret: string): string {
  return sealWith(sealingSecret(mfaKey), sealingPurpose(userId), secret);
}

export function openTotpSecret(mfaKey: Buffer, userId: string, sealed: string): string | undefined {
  return openWith(sealingSecret(mfaKey), sealingPurpose(userId), sealed);
}

/** A code as typed: spaces and dashes dropped, letters in lower case (recovery codes are case-blind). */
function normalised(code: string): string {
  return code.replace(/[\s-]/g, '').toLowerCase();
}

function recoveryCodeHash(mfaKey: Buffer, userId: string, code: string): string {
  const key = createHmac('sha256', mfaKey).update('hydracore recovery codes').digest();
  return hmacHex(key, `${userId}\u0000${normalised(code)}`);
}

/** Ten new recovery codes, `xxxxx-xxxxx` in lower-case base32 (no 0/1/8/9 to misread). */
export function newRecoveryCodes(): string[] {
  return Array.from({ length: RECOVERY_CODE_COUNT }, () => {
    const chars = base32Encode(randomBytes(7)).slice(0, RECOVERY_CODE_CHARS).toLowerCase();
    return `${chars.slice(0, 5)}-${chars.slice(5)}`;
  });
}

/** Replaces a user's recovery codes (the old ones stop working) and returns the new ones. */
export async function replaceRecoveryCodes(trx: Knex.Transaction, mfaKey: Buffer, userId: string, now: Date): Promise<string[]> {
  const codes = newRecoveryCodes();
  await trx('operator_recovery_codes').where({ user_id: userId }).delete();
  await trx('operator_recovery_codes').insert(
    codes.map((code) => ({ id: newId(), user_id: userId, code_hash: recoveryCodeHash(mfaKey, userId, code), created_at: iso(now) })),
  );
  return codes;
}

/** Whether the operator has a second factor (today: TOTP confirmed and on). */
export async function hasSecondFactor(db: Knex, userId: string): Promise<boolean> {
  const row = await db('operator_totp').where({ user_id: userId }).whereNotNull('enabled_at').first('user_id');
  return row !== undefined;
}

/**
 * The TOTP code's time step, if `code` is the current code (±1 step) of the sealed secret.
 * Undefined for anything else, a secret that does not open included (a wrong key).
 */
export function totpStep(mfaKey: Buffer, userId: string, sealed: string, code: string, now: Date): number | undefined {
  const secret = openTotpSecret(mfaKey, userId, sealed);
  const key = secret === undefined ? undefined : base32Decode(secret);
  return key === undefined ? undefined : matchingTimeStep(key, normalised(code), now);
}

/**
 * Uses up a code of an operator with TOTP on: a TOTP code (its step becomes the last one
 * accepted) or a recovery code (marked used). Each is one conditional UPDATE, so of several
 * requests with one code at most one gets `'totp'` or `'recovery'`; every other call,
 * and any wrong or replayed code, gets undefined.
 */
async function useSecondFactor(trx: Knex.Transaction, mfaKey: Buffer, userId: string, code: string, now: Date): Promise<SecondFactorKind | undefined> {
  if (code.length > MAX_CODE_INPUT) return undefined;
  const totp = await trx('operator_totp').where({ user_id: userId }).whereNotNull('enabled_at').first('secret_sealed');
  if (!totp) return undefined;
  const clean = normalised(code);
  // Told apart by length: a recovery code may happen to be all digits, but never 6 characters.
  if (clean.length === TOTP_DIGITS) {
    const step = totpStep(mfaKey, userId, totp.secret_sealed, clean, now);
    if (step === undefined) return undefined;
    const accepted = await trx('operator_totp')
      .where({ user_id: userId })
      .whereNotNull('enabled_at')
      .andWhere((later) => later.whereNull('last_used_step').orWhere('last_used_step', '<', step))
      .update({ last_used_step: step });
    return accepted === 1 ? 'totp' : undefined;
  }
  if (clean.length !== RECOVERY_CODE_CHARS) return undefined;
  const used = await trx('operator_recovery_codes')
    .where({ user_id: userId, code_hash: recoveryCodeHash(mfaKey, userId, clean) })
    .whereNull('used_at')
    .update({ used_at: iso(now) });
  return used === 1 ? 'recovery' : undefined;
}

/**
 * Checks a second-factor code of an operator with TOTP on, counted like a password toward
 * the address's login lock and the client IP's budget (reserved before, refunded on success:
 * `countedAccountCheck`), so wrong codes lock the address even when each mfaToken dies after
 * five. `alongside` runs in the same transaction as the code's use when the code was right
 * (consuming an mfaToken, removing the factor): if it throws, the code stays unused.
 * A wrong code: `mfa.failed` in the audit log and INVALID_MFA_CODE.
 */
export async function checkSecondFactor(
  ctx: GqlContext,
  user: { id: string; email: string },
  code: string,
  purpose: SecondFactorPurpose,
  alongside?: (trx: Knex.Transaction) => Promise<void>,
): Promise<SecondFactorKind> {
  let kind: SecondFactorKind | undefined;
  const valid = await countedAccountCheck(ctx, user.email, async () => {
    kind = await ctx.db.transaction(async (trx) => {
      const used = await useSecondFactor(trx, ctx.config.auth.mfaKey, user.id, code, ctx.clock.now());
      if (used === undefined) return undefined;
      if (used === 'recovery') await recordAudit(requestContext(ctx), trx, { tenantId: null, action: 'recovery_code.used', targetKind: 'user', targetId: user.id, details: { purpose } });
      if (alongside) await alongside(trx);
      return used;
    });
    return kind !== undefined;
  });
  if (!valid || kind === undefined) {
    await recordAudit(requestContext(ctx), ctx.db, { tenantId: null, action: 'mfa.failed', targetKind: 'user', targetId: user.id, details: { purpose } });
    throw new DomainError('INVALID_MFA_CODE');
  }
  return kind;
}

/** Removes an operator's TOTP, recovery codes and pending sign-ins; whether TOTP was on. */
export async function removeTotp(trx: Knex.Transaction, userId: string): Promise<boolean> {
  const removed = await trx('operator_totp').where({ user_id: userId }).whereNotNull('enabled_at').delete();
  await trx('operator_totp').where({ user_id: userId }).delete();
  await trx('operator_recovery_codes').where({ user_id: userId }).delete();
  await trx('mfa_challenges').where({ user_id: userId }).delete();
  return removed > 0;
}
