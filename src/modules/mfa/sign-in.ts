import type { Knex } from 'knex';
import type { GqlContext } from '../../graphql/context';
import { adding, readAssurance, storedAssurance, type Assurance } from '../../lib/assurance';
import { DomainError } from '../../lib/errors';
import { newId } from '../../lib/ids';
import { randomToken, sha256Hex } from '../../lib/secrets';
import { checkSecondFactor, hasSecondFactor } from './second-factor';

/**
 * The second step of signing in (issue 18, item 3). After a correct password, an account with
 * a second factor either proves it in the same request (`otp` with the password: REST and
 * GraphQL alike) or gets MFA_REQUIRED. On `/graphql` that error carries `extensions.mfaToken`,
 * a challenge `verifyMfa` answers with a TOTP or recovery code.
 *
 * An mfaToken is opaque (256 bits), stored as its SHA-256, single use, valid 5 minutes, and
 * burned after 5 tries; each try is taken by a conditional UPDATE before the code is checked,
 * so 20 parallel tries (or aliases) get 5 checks. Every wrong code also counts toward the
 * address's login lock, so starting new challenges does not buy more guesses.
 */
export const MFA_TOKEN_TTL_MS = 5 * 60_000;
export const MFA_TOKEN_MAX_ATTEMPTS = 5;

const iso = (date: Date) => date.toISOString();

/**
 * The assurance of this sign-in: the first factor's alone, or with the second one proved.
 * Its refusals are counted in `hydracore_logins_total` (the first factor was right): `mfa`
 * for a second factor missing or wrong, `locked` for one refused by the login lock.
 */
export async function secondFactorAtSignIn(ctx: GqlContext, user: { id: string; email: string }, first: Assurance, otp: string | undefined | null): Promise<Assurance> {
  if (!(await hasSecondFactor(ctx.db, user.id))) return first;
  if (otp !== undefined && otp !== null && otp !== '') {
    await countedSecondFactor(ctx, () => checkSecondFactor(ctx, user, otp, 'sign_in'));
    return adding(first, 'otp');
  }
  ctx.metrics.login('mfa');
  // The legacy surface answers `{"detail": ...}` only: a challenge it could not show is not made.
  if (ctx.surface === 'rest') throw new DomainError('MFA_REQUIRED');
  throw new DomainError('MFA_REQUIRED', { mfaToken: await openChallenge(ctx, user.id, first) });
}

/** A sign-in's second-factor check, its refusal counted: a wrong code `mfa`, the login lock `locked`. */
async function countedSecondFactor<T>(ctx: GqlContext, check: () => Promise<T>): Promise<T> {
  try {
    return await check();
  } catch (error) {
    if (error instanceof DomainError && error.code === 'INVALID_MFA_CODE') ctx.metrics.login('mfa');
    if (error instanceof DomainError && error.code === 'RATE_LIMITED') ctx.metrics.login('locked');
    throw error;
  }
}

/** A new challenge for the user; the user's finished ones (used, expired, burned) are cleared. */
async function openChallenge(ctx: GqlContext, userId: string, first: Assurance): Promise<string> {
  const now = ctx.clock.now();
  const token = randomToken(32);
  await ctx.db.transaction(async (trx) => {
    await trx('mfa_challenges')
      .where({ user_id: userId })
      .andWhere((finished) => finished.whereNotNull('used_at').orWhere('expires_at', '<=', iso(now)).orWhere('attempts', '>=', MFA_TOKEN_MAX_ATTEMPTS))
      .delete();
    await trx('mfa_challenges').insert({
      id: newId(),
      user_id: userId,
      token_hash: sha256Hex(token),
      amr: storedAssurance(first).amr,
      attempts: 0,
      created_at: iso(now),
      expires_at: iso(new Date(now.getTime() + MFA_TOKEN_TTL_MS)),
    });
  });
  return token;
}

export interface AnsweredChallenge {
  userId: string;
  /** The sign-in's assurance: the first factor's, with `otp` added. */
  assurance: Assurance;
}

/**
 * Answers a challenge: takes one of its tries, checks the code (counted toward the login
 * lock), and consumes the challenge in the same transaction as the code. An unknown, used,
 * expired or burned token: INVALID_MFA_TOKEN (sign in again); a wrong code: INVALID_MFA_CODE.
 * A right code is the sign-in's `success` in `hydracore_logins_total` (`verifyMfa` starts the
 * session next, in the same request); a wrong one `mfa`, one refused by the lock `locked`; a
 * token that is no live challenge is not counted (nobody proved or guessed anything).
 */
export async function answerChallenge(ctx: GqlContext, mfaToken: string, code: string): Promise<AnsweredChallenge> {
  const now = iso(ctx.clock.now());
  const challenge = mfaToken.length > 0 && mfaToken.length <= 256 ? await ctx.db('mfa_challenges').where({ token_hash: sha256Hex(mfaToken) }).first('id', 'user_id', 'amr') : undefined;
  if (!challenge) throw new DomainError('INVALID_MFA_TOKEN');
  const tried = await ctx.db('mfa_challenges')
    .where({ id: challenge.id })
    .whereNull('used_at')
    .andWhere('expires_at', '>', now)
    .andWhere('attempts', '<', MFA_TOKEN_MAX_ATTEMPTS)
    .increment('attempts', 1);
  if (tried !== 1) throw new DomainError('INVALID_MFA_TOKEN');
  const user = await ctx.db('users').where({ id: challenge.user_id }).first('id', 'email');
  if (!user) throw new DomainError('INVALID_MFA_TOKEN');
  await countedSecondFactor(ctx, () =>
    checkSecondFactor(ctx, user, code, 'sign_in', async (trx: Knex.Transaction) => {
      // Two right codes at once (a TOTP and a recovery code): one challenge, one session.
      const consumed = await trx('mfa_challenges').where({ id: challenge.id }).whereNull('used_at').update({ used_at: now });
      if (consumed !== 1) throw new DomainError('INVALID_MFA_TOKEN');
    }),
  );
  ctx.metrics.login('success');
  return { userId: user.id, assurance: adding(readAssurance(challenge.amr, 'aal1'), 'otp') };
}

/**
 * Ends the user's sign-ins waiting for their second factor. A password change or reset calls
 * it: an mfaToken won with the old password (a phished one, say) must not outlive it.
 */
export async function dropPendingSignIns(trx: Knex | Knex.Transaction, userId: string): Promise<void> {
  await trx('mfa_challenges').where({ user_id: userId }).delete();
}
