import { Arg, Authorized, Ctx, Mutation, Query, Resolver } from 'type-graphql';
import { Role, type OperatorPrincipal } from '../../graphql/auth-checker';
import { requestContext, type GqlContext } from '../../graphql/context';
import { isPostgres } from '../../db/knex';
import { adding } from '../../lib/assurance';
import { recordAudit } from '../../lib/audit';
import { inWords } from '../../lib/durations';
import { DomainError } from '../../lib/errors';
import { newTotpSecret, otpauthUri } from '../../lib/totp';
import { signAccessToken, startSession } from '../auth/auth.resolver';
import { OPERATOR_ACCESS_TTL_SECONDS, TokenPair } from '../auth/auth.types';
import { checkAccountPassword, countedAccountCheck } from '../auth/credential-checks';
import { MfaStatus, RecoveryCodes, StepUp, TotpEnrollment } from './mfa.types';
import { checkSecondFactor, hasSecondFactor, openTotpSecret, removeTotp, replaceRecoveryCodes, sealTotpSecret, totpStep } from './second-factor';
import { EmailInput } from '../auth/auth.inputs';
import { removePasskeysOf } from '../passkeys/passkeys';
import { emailKey } from '../../lib/email-key';
import { answerChallenge, MFA_TOKEN_MAX_ATTEMPTS, MFA_TOKEN_TTL_MS } from './sign-in';
import { RequiresStepUp } from '../access/step-up';
import { securityChangeMail } from '../account/account.mail';
import { takeFactorChange } from '../account/factor-changes';

const iso = (date: Date) => date.toISOString();
const operator = (ctx: GqlContext) => ctx.principal as OperatorPrincipal;

/**
 * Operators' TOTP and recovery codes, the second step of signing in, and the step-up of a
 * signed-in session (issue 18, items 2 and 3). Only people act here: API keys and customers
 * are refused by the roles. Enrolling needs a verified address, so signing in by the emailed
 * verification code (possible only while unverified) never bypasses a second factor.
 */
@Resolver()
export class MfaResolver {
  @Authorized(Role.Operator)
  @Query(() => MfaStatus, { description: "The signed-in operator's second factors." })
  async myMfa(@Ctx() ctx: GqlContext): Promise<MfaStatus> {
    const userId = operator(ctx).userId;
    const [totpEnabled, [{ n }]] = await Promise.all([
      hasSecondFactor(ctx.db, userId),
      ctx.db('operator_recovery_codes').where({ user_id: userId }).whereNull('used_at').count({ n: '*' }),
    ]);
    return { totpEnabled, recoveryCodesLeft: totpEnabled ? Number(n) : 0 };
  }

  @Authorized(Role.VerifiedOperator)
  @Mutation(() => TotpEnrollment, { description: 'Starts adding a TOTP authenticator (again: a new secret replaces the unconfirmed one). Then confirmTotpEnrollment.' })
  @RequiresStepUp()
  async startTotpEnrollment(@Ctx() ctx: GqlContext): Promise<TotpEnrollment> {
    const { userId, email } = operator(ctx);
    await takeFactorChange(ctx, userId);
    const mfaKey = ctx.config.auth.mfaKey;
    const current = await ctx.db('operator_totp').where({ user_id: userId }).first('enabled_at');
    if (current?.enabled_at) throw new DomainError('TOTP_ALREADY_ENABLED');
    const now = iso(ctx.clock.now());
    await ctx.db('operator_totp')
      .insert({ user_id: userId, secret_sealed: sealTotpSecret(mfaKey, userId, newTotpSecret()), enabled_at: null, last_used_step: null, created_at: now })
      .onConflict('user_id')
      .merge(['secret_sealed', 'last_used_step', 'created_at'])
      // Never over a confirmed authenticator (one confirmed since the read above).
      .whereNull('operator_totp.enabled_at');
    // Read back: of two starts at once, the stored secret is the one to show (both answer it).
    const stored = await ctx.db('operator_totp').where({ user_id: userId }).first('secret_sealed', 'enabled_at');
    if (!stored || stored.enabled_at) throw new DomainError('TOTP_ALREADY_ENABLED');
    const secret = openTotpSecret(mfaKey, userId, stored.secret_sealed) as string;
    return { secret, otpauthUri: otpauthUri(ctx.config.auth.totpIssuer, email, secret) };
  }

  @Authorized(Role.VerifiedOperator)
  @Mutation(() => RecoveryCodes, { description: 'Turns TOTP on with the first code of the new authenticator; answers the recovery codes (shown once). A wrong code counts toward the login lock.' })
  @RequiresStepUp()
  async confirmTotpEnrollment(@Arg('code') code: string, @Ctx() ctx: GqlContext): Promise<RecoveryCodes> {
    const { userId, email } = operator(ctx);
    const mfaKey = ctx.config.auth.mfaKey;
    const pending = await ctx.db('operator_totp').where({ user_id: userId }).first('secret_sealed', 'enabled_at');
    if (!pending) throw new DomainError('TOTP_ENROLLMENT_NOT_STARTED');
    if (pending.enabled_at) throw new DomainError('TOTP_ALREADY_ENABLED');
    let codes: string[] | undefined;
    const valid = await countedAccountCheck(ctx, email, async () => {
      const now = ctx.clock.now();
      const step = totpStep(mfaKey, userId, pending.secret_sealed, code, now);
      if (step === undefined) return false;
      codes = await ctx.db.transaction(async (trx) => {
        // Only the secret this code was checked against, and only once: of two confirmations
        // at once (or one racing a new start), one turns TOTP on.
        const enabled = await trx('operator_totp')
          .where({ user_id: userId, secret_sealed: pending.secret_sealed })
          .whereNull('enabled_at')
          .update({ enabled_at: iso(now), last_used_step: step });
        if (enabled !== 1) return undefined;
        const fresh = await replaceRecoveryCodes(trx, mfaKey, userId, now);
        await recordAudit(requestContext(ctx), trx, { tenantId: null, action: 'totp.enabled', targetKind: 'user', targetId: userId });
        await ctx.outbox.enqueue(trx, securityChangeMail(email, 'totp_enabled'));
        return fresh;
      });
      return codes !== undefined;
    });
    if (!valid || !codes) {
      await recordAudit(requestContext(ctx), ctx.db, { tenantId: null, action: 'mfa.failed', targetKind: 'user', targetId: userId, details: { purpose: 'confirm' } });
      throw new DomainError('INVALID_MFA_CODE');
    }
    return { codes };
  }

  @Authorized(Role.VerifiedOperator)
  @Mutation(() => RecoveryCodes, { description: 'New recovery codes (shown once); the old ones stop working.' })
  @RequiresStepUp()
  async regenerateRecoveryCodes(@Ctx() ctx: GqlContext): Promise<RecoveryCodes> {
    const { userId, email } = operator(ctx);
    await takeFactorChange(ctx, userId);
    const codes = await ctx.db.transaction(async (trx) => {
      // Locks the factor's row on PostgreSQL (SQLite runs one transaction at a time), so a
      // concurrent disableTotp cannot leave codes behind.
      const query = trx('operator_totp').where({ user_id: userId }).whereNotNull('enabled_at');
      const enabled = await (isPostgres(ctx.db) ? query.forUpdate() : query).first('user_id');
      if (!enabled) throw new DomainError('TOTP_NOT_ENABLED');
      const fresh = await replaceRecoveryCodes(trx, ctx.config.auth.mfaKey, userId, ctx.clock.now());
      await recordAudit(requestContext(ctx), trx, { tenantId: null, action: 'recovery_codes.regenerated', targetKind: 'user', targetId: userId });
      await ctx.outbox.enqueue(trx, securityChangeMail(email, 'recovery_codes_regenerated'));
      return fresh;
    });
    return { codes };
  }

  @Authorized(Role.VerifiedOperator)
  @Mutation(() => Boolean, { description: 'Turns TOTP off and removes its recovery codes: needs the password and a TOTP or recovery code (both count toward the login lock).' })
  @RequiresStepUp()
  async disableTotp(@Arg('password') password: string, @Arg('code') code: string, @Ctx() ctx: GqlContext): Promise<boolean> {
    const { userId } = operator(ctx);
    await takeFactorChange(ctx, userId);
    if (!(await hasSecondFactor(ctx.db, userId))) throw new DomainError('TOTP_NOT_ENABLED');
    const user = await ctx.db('users').where({ id: userId }).first('id', 'email', 'password_hash');
    if (!user || !(await checkAccountPassword(ctx, user.email, user.password_hash, password))) throw new DomainError('INVALID_CURRENT_PASSWORD');
    await checkSecondFactor(ctx, user, code, 'disable', async (trx) => {
      await removeTotp(trx, userId);
      await recordAudit(requestContext(ctx), trx, { tenantId: null, action: 'totp.disabled', targetKind: 'user', targetId: userId });
      await ctx.outbox.enqueue(trx, securityChangeMail(user.email, 'totp_disabled'));
    });
    return true;
  }

  @Mutation(() => TokenPair, {
    description: `Finishes a sign-in that answered MFA_REQUIRED: its extensions.mfaToken (single use, ${inWords(MFA_TOKEN_TTL_MS)}, ${MFA_TOKEN_MAX_ATTEMPTS} tries) and a TOTP or recovery code (used up). The session is aal2.`,
  })
  async verifyMfa(@Arg('mfaToken') mfaToken: string, @Arg('code') code: string, @Ctx() ctx: GqlContext): Promise<TokenPair> {
    const { userId, assurance } = await answerChallenge(ctx, mfaToken, code);
    const user = await ctx.db('users').where({ id: userId }).first('id', 'email_verified');
    if (!user) throw new DomainError('INVALID_MFA_TOKEN');
    await recordAudit(requestContext(ctx), ctx.db, { tenantId: null, action: 'login.succeeded', targetKind: 'user', targetId: userId });
    return startSession(ctx, { id: user.id, email_verified: Boolean(user.email_verified) }, assurance);
  }

  @Authorized(Role.VerifiedOperator)
  @Mutation(() => StepUp, { description: "Proves the second factor (a TOTP or recovery code) in a signed-in session: the session becomes aal2 (refreshes keep it) and a new access token says so." })
  async stepUp(@Arg('code') code: string, @Ctx() ctx: GqlContext): Promise<StepUp> {
    const principal = operator(ctx);
    if (!(await hasSecondFactor(ctx.db, principal.userId))) throw new DomainError('TOTP_NOT_ENABLED');
    await checkSecondFactor(ctx, { id: principal.userId, email: principal.email }, code, 'step_up');
    // Built on what the session stored, not on the token's claims (a token may predate a
    // step-up in another tab, or the claims themselves). The session may have ended since the
    // token was checked (a logout elsewhere): then there is nothing to raise.
    const stored = await ctx.sessions.assuranceOf(principal.sessionId);
    const assurance = stored && (await ctx.sessions.raiseAssurance(principal.sessionId, adding(stored, 'otp')));
    if (!assurance) throw new DomainError('INVALID_TOKEN');
    return {
      accessToken: signAccessToken(ctx, { id: principal.userId, email_verified: principal.emailVerified }, principal.sessionId, assurance),
      expiresIn: OPERATOR_ACCESS_TTL_SECONDS,
      tokenType: 'bearer',
      amr: [...assurance.amr],
      acr: assurance.acr,
    };
  }

  /**
   * The way back for an operator who lost their factors, or whose account had a factor bound
   * by someone else (a stolen session can add the first one: the owner is mailed when it
   * happens, and is then locked out until this runs). A platform administrator, having made
   * sure out of band that they speak to the account's owner, removes every factor and ends every
   * session; the owner then signs in with the password (or resets it) and enrolls again.
   */
  @Authorized(Role.PlatformAdmin)
  @Mutation(() => Boolean, {
    description: "Removes an operator's second factors (TOTP, recovery codes, passkeys) and ends all their sessions, for one who lost them. Platform administrators; the account is mailed a notice.",
  })
  @RequiresStepUp()
  async resetOperatorFactors(@Arg('input') input: EmailInput, @Ctx() ctx: GqlContext): Promise<boolean> {
    const user: { id: string; email: string } | undefined = await ctx.db('users').where({ email_lower: emailKey(input.email) }).first('id', 'email');
    if (!user) throw new DomainError('USER_NOT_FOUND');
    await ctx.db.transaction(async (trx) => {
      const totp = await removeTotp(trx, user.id);
      const passkeys = await removePasskeysOf(trx, user.id);
      await ctx.sessions.revokeAll(trx, 'user', user.id, 'factors_reset');
      await recordAudit(requestContext(ctx), trx, { tenantId: null, action: 'factors.reset', targetKind: 'user', targetId: user.id, details: { totp, passkeys } });
      await ctx.outbox.enqueue(trx, securityChangeMail(user.email, 'factors_reset'));
    });
    return true;
  }
}
