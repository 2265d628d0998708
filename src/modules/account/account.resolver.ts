import type { Knex } from 'knex';
import { Args, Authorized, Ctx, Mutation, Resolver } from 'type-graphql';
import { Role, type OperatorPrincipal } from '../../graphql/auth-checker';
import { requestContext, type GqlContext } from '../../graphql/context';
import { isUniqueViolation } from '../../db/errors';
import { deleteMemberships, lockMembershipsOf, tenantsOwnedOnlyBy } from '../../db/memberships';
import { recordAudit } from '../../lib/audit';
import { inWords } from '../../lib/durations';
import { emailKey } from '../../lib/email-key';
import { DomainError } from '../../lib/errors';
import { CODE_MAX_ATTEMPTS, CODE_RESEND_INTERVAL_MS, CODE_TTL_MS } from '../../lib/one-time-codes';
import { sha256Hex } from '../../lib/secrets';
import { verifySubject } from '../auth/auth.mail-requests';
import { User } from '../auth/auth.model';
import { checkOneTimeSecret, checkOwnPassword } from '../auth/credential-checks';
import { deletePinsOf } from '../pins/pin.model';
import { ChangeEmailArgs, ChangePasswordArgs, ConfirmEmailChangeArgs, DeleteAccountArgs } from './account.inputs';
import { emailChangeCodeMail, emailChangedMail, passwordChangedMail } from './account.mail';
import { erasePersonalData } from './erasure';
import { RequiresStepUp } from '../access/step-up';
import { dropPendingSignIns } from '../mfa/sign-in';

const iso = (date: Date) => date.toISOString();

/**
 * The code of an address change is bound to the address it was mailed to (a digest of it, in
 * the code's keyed MAC): it proves that mailbox and no other, whatever request replaced the
 * pending one meanwhile. Derived from the account's subject, so deleting the account's codes
 * (`OneTimeCodes.deleteFor`) takes these too.
 */
const emailChangeSubject = (userId: string, newEmailLower: string) => `${verifySubject(userId)}:${sha256Hex(newEmailLower)}`;

interface EmailChange {
  new_email: string;
  new_email_lower: string;
  created_at: string | Date;
}

/** Answered when a new address was asked for less than a minute after the previous request. */
class TooSoon extends Error {}

/** Ends the links and codes mailed to the account's address before: they must not outlive what they were sent for. */
async function endMailedSecrets(ctx: GqlContext, trx: Knex.Transaction, userId: string, now: Date): Promise<void> {
  await trx('password_resets').where({ user_id: userId }).whereNull('used_at').update({ used_at: iso(now) });
  await ctx.codes.invalidate(trx, 'verify_email', verifySubject(userId));
}

/**
 * Records the new address and mails its code, at most once a minute per account. The pace is
 * decided atomically: a request older than a minute is deleted and the new one inserted under
 * the account's primary key, so of two requests at once (any engine, any process) the second
 * fails on that key and sends nothing.
 */
async function requestEmailChange(ctx: GqlContext, user: User, newEmail: string, newEmailLower: string): Promise<void> {
  const now = ctx.clock.now();
  try {
    await ctx.db.transaction(async (trx) => {
      await trx('email_changes').where('user_id', user.id).andWhere('created_at', '<=', iso(new Date(now.getTime() - CODE_RESEND_INTERVAL_MS))).delete();
      await trx('email_changes').insert({ user_id: user.id, new_email: newEmail, new_email_lower: newEmailLower, created_at: iso(now), expires_at: iso(new Date(now.getTime() + CODE_TTL_MS)) });
      // Issuing invalidates this address's older code; undefined when it got one less than a minute ago.
      const issued = await ctx.codes.issue(trx, 'change_email', emailChangeSubject(user.id, newEmailLower));
      if (issued === undefined) throw new TooSoon();
      await ctx.outbox.enqueue(trx, emailChangeCodeMail(newEmail, issued));
    });
  } catch (error) {
    if (!(error instanceof TooSoon) && !isUniqueViolation(error)) throw error;
    const pending: EmailChange | undefined = await ctx.db('email_changes').where('user_id', user.id).first('new_email_lower', 'created_at');
    // The same address again (a double click): its code is on its way, nothing else to do.
    if (pending?.new_email_lower === newEmailLower) return;
    const since = pending ? now.getTime() - new Date(pending.created_at).getTime() : 0;
    throw new DomainError('RATE_LIMITED', { retryAfter: Math.max(1, Math.ceil((CODE_RESEND_INTERVAL_MS - since) / 1000)) });
  }
}

@Resolver()
export class AccountResolver {
  @Authorized(Role.Operator)
  @Mutation(() => Boolean, {
    description:
      'Changes the signed-in operator\'s password (the new one follows the register rules), ends every other session of the account, and mails a notice. A wrong current password is `INVALID_CURRENT_PASSWORD` and counts toward the login lock.',
  })
  @RequiresStepUp()
  async changePassword(@Args() { currentPassword, newPassword }: ChangePasswordArgs, @Ctx() ctx: GqlContext): Promise<boolean> {
    const user = await checkOwnPassword(ctx, currentPassword);
    // Hash before the transaction: argon2 is slow on purpose and must not hold a connection.
    const passwordHash = await ctx.passwords.hash(newPassword);
    const { sessionId } = ctx.principal as OperatorPrincipal;
    const now = ctx.clock.now();
    await ctx.db.transaction(async (trx) => {
      await User.query(trx).patch({ password_hash: passwordHash, updated_at: now }).where('id', user.id);
      // Whoever else held a session (or a reset link) with the old password is out; this session stays.
      await ctx.sessions.revokeAll(trx, 'user', user.id, 'password_changed', sessionId);
      await dropPendingSignIns(trx, user.id);
      await trx('password_resets').where({ user_id: user.id }).whereNull('used_at').update({ used_at: iso(now) });
      await recordAudit(requestContext(ctx), trx, { tenantId: null, action: 'password.changed', targetKind: 'user', targetId: user.id });
      await ctx.outbox.enqueue(trx, passwordChangedMail(user.email));
    });
    return true;
  }

  /**
   * An address already taken is refused (`EMAIL_TAKEN`), after the password: only the holder
   * of a signed-in session and of its password learns it, one answer per argon2 check, and a
   * wrong password counts toward the login lock. Registration tells anyone the same thing
   * (409, CONTRACT section 4), so this opens no new door (docs/decisions.md).
   */
  @Authorized(Role.Operator)
  @Mutation(() => Boolean, {
    description: `Starts moving the signed-in operator's account to a new address: checks the password and mails a 6-digit code to the new address (valid ${inWords(CODE_TTL_MS)}, ${CODE_MAX_ATTEMPTS} tries; one request a minute). Nothing changes until \`confirmEmailChange\`.`,
  })
  @RequiresStepUp()
  async changeEmail(@Args() { newEmail, password }: ChangeEmailArgs, @Ctx() ctx: GqlContext): Promise<boolean> {
    const user = await checkOwnPassword(ctx, password);
    const newEmailLower = emailKey(newEmail);
    if (newEmailLower === user.email_lower) throw new DomainError('EMAIL_UNCHANGED');
    if (await User.query(ctx.db).findOne({ email_lower: newEmailLower })) throw new DomainError('EMAIL_TAKEN');
    await requestEmailChange(ctx, user, newEmail, newEmailLower);
    return true;
  }

  @Authorized(Role.Operator)
  @Mutation(() => Boolean, {
    description: 'Confirms the address change with the code mailed to the new address: the account then uses it (verified), and the old address gets a notice.',
  })
  async confirmEmailChange(@Args() { code }: ConfirmEmailChangeArgs, @Ctx() ctx: GqlContext): Promise<boolean> {
    const { userId } = ctx.principal as OperatorPrincipal;
    const now = ctx.clock.now();
    let change: EmailChange | undefined;
    // Counted like every one-time secret: the code's own 5 tries, and the client IP's failures.
    const valid = await checkOneTimeSecret(ctx, async () => {
      change = await ctx.db('email_changes').where('user_id', userId).andWhere('expires_at', '>', iso(now)).first('new_email', 'new_email_lower', 'created_at');
      return change !== undefined && (await ctx.codes.verify(ctx.db, 'change_email', emailChangeSubject(userId, change.new_email_lower), code));
    });
    const confirmed = change as EmailChange | undefined;
    if (!valid || !confirmed) throw new DomainError('INVALID_CODE');
    try {
      await ctx.db.transaction(async (trx) => {
        const user = await User.query(trx).findById(userId);
        // The request this code was mailed for, unless a newer one (another address) replaced it.
        const ended = await trx('email_changes').where({ user_id: userId, new_email_lower: confirmed.new_email_lower }).delete();
        if (!user || ended !== 1) throw new DomainError('INVALID_CODE');
        // The code proved the new mailbox: the account stays (or becomes) verified.
        await User.query(trx).patch({ email: confirmed.new_email, email_lower: confirmed.new_email_lower, email_verified: true, updated_at: now }).where('id', userId);
        await endMailedSecrets(ctx, trx, userId, now);
        // No address in the record (digests neither): the account id says whose it was.
        await recordAudit(requestContext(ctx), trx, { tenantId: null, action: 'email.changed', targetKind: 'user', targetId: userId });
        // An address never proved may be a stranger's (a typo at registration): it gets nothing.
        if (user.email_verified) await ctx.outbox.enqueue(trx, emailChangedMail(user.email));
      });
    } catch (error) {
      // Someone registered (or moved to) the address since the code was sent.
      if (!isUniqueViolation(error)) throw error;
      await ctx.db('email_changes').where('user_id', userId).delete();
      throw new DomainError('EMAIL_TAKEN');
    }
    return true;
  }

  /**
   * Everything that is the person's goes: memberships, sessions with their refresh tokens,
   * PINs, codes, and the user row, whose foreign keys (ON DELETE CASCADE, enforced on both
   * engines: SQLite runs with `foreign_keys = ON`, src/db/knex.ts) take every table that
   * references `users(id)`: reset links, a pending address change, and the second factors
   * and passkeys. Their address leaves the shared tables too (the mail outbox and queued mail
   * requests; failed sign-ins keyed by its digest: `erasePersonalData`). What is the tenants'
   * stays: API keys the person created (their `created_by` keeps the id, as the audit log
   * does). The audit log keeps its rows, which name the account by id only, without the IP
   * addresses that were the person's; `account.deleted` is recorded without details.
   *
   * Whether a tenant would lose its last owner is decided with every tenant of the account
   * locked, whatever the role (`lockMembershipsOf`): a promotion racing the deletion is
   * decided before or after it, never in between.
   */
  @Authorized(Role.Operator)
  @Mutation(() => Boolean, {
    description: "Deletes the signed-in operator's account (password required). Refused (`LAST_OWNER`) while the operator is the only owner of a tenant: make someone else owner first.",
  })
  @RequiresStepUp()
  async deleteAccount(@Args() { password }: DeleteAccountArgs, @Ctx() ctx: GqlContext): Promise<boolean> {
    const user = await checkOwnPassword(ctx, password);
    const request = requestContext(ctx);
    await ctx.db.transaction(async (trx) => {
      const memberships = await lockMembershipsOf(trx, user.id);
      // Read under the lock: the address may have changed since the password was checked,
      // and a deletion running at the same time has taken the account already.
      const current = await User.query(trx).findById(user.id);
      if (!current) throw new DomainError('INVALID_TOKEN');
      if ((await tenantsOwnedOnlyBy(trx, user.id, memberships)).length > 0) throw new DomainError('LAST_OWNER');
      // Each tenant's log shows the member leaving, as a removal would.
      for (const membership of memberships) {
        await recordAudit(request, trx, { tenantId: membership.tenant_id, action: 'member.removed', targetKind: 'user', targetId: user.id, details: { oldRole: membership.role, newRole: null } });
      }
      await deleteMemberships(trx, user.id);
      await recordAudit(request, trx, { tenantId: null, action: 'account.deleted', targetKind: 'user', targetId: user.id });
      await erasePersonalData(trx, { id: user.id, email: current.email });
      // Sessions, PINs and codes name their subject by kind and id (no foreign key): removed by hand.
      await ctx.sessions.deleteAll(trx, 'user', user.id);
      await deletePinsOf(trx, 'user', user.id);
      await ctx.codes.deleteFor(trx, verifySubject(user.id));
      await User.query(trx).deleteById(user.id);
    });
    return true;
  }
}
