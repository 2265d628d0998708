import type { Knex } from 'knex';
import type { Services } from '../../graphql/context';
import type { MailRequest } from '../../mail/requests';
import { newId } from '../../lib/ids';
import { randomToken, sha256Hex } from '../../lib/secrets';
import { frontendLink, passwordResetMail, verificationCodeMail } from './auth.mail';
import { User } from './auth.model';

export const RESET_TOKEN_TTL_MS = 30 * 60_000;
const RESET_REQUEST_INTERVAL_MS = 60_000;

const iso = (date: Date) => date.toISOString();
export const verifySubject = (userId: string) => `user:${userId}`;

/** A new verification code and its mail (at most one a minute per account, silently). Call inside `trx`. */
export async function mailVerificationCode(services: Services, trx: Knex.Transaction, user: Pick<User, 'id' | 'email'>): Promise<void> {
  const issued = await services.codes.issue(trx, 'verify_email', verifySubject(user.id));
  if (issued !== undefined) await services.outbox.enqueue(trx, verificationCodeMail(user.email, issued, frontendLink(services.config.frontend, 'verifyEmail', { email: user.email })));
}

/**
 * The operator mail asked for through `forgotPassword` and `resendVerification`, resolved by
 * the mail-request worker after the endpoint answered (see src/mail/requests.ts for why).
 */
export function authMailRequestHandlers(services: Services) {
  const userByEmail = (trx: Knex.Transaction, email: string) => User.query(trx).findOne({ email_lower: email });

  return {
    /** One reset link a minute per address, silently; unknown addresses get nothing. */
    async password_reset(trx: Knex.Transaction, request: MailRequest): Promise<void> {
      const user = await userByEmail(trx, request.email);
      if (!user) return;
      const now = services.clock.now();
      const recent = await trx('password_resets')
        .where('user_id', user.id)
        .andWhere('created_at', '>', iso(new Date(now.getTime() - RESET_REQUEST_INTERVAL_MS)))
        .first('id');
      if (recent) return;
      const token = randomToken(32);
      const expiresAt = new Date(now.getTime() + RESET_TOKEN_TTL_MS);
      await trx('password_resets').insert({ id: newId(), user_id: user.id, token_hash: sha256Hex(token), created_at: iso(now), expires_at: iso(expiresAt) });
      await services.outbox.enqueue(trx, passwordResetMail(user.email, frontendLink(services.config.frontend, 'resetPassword', { token }), expiresAt, RESET_TOKEN_TTL_MS));
    },

    /** A new code only for an account that still needs verification. */
    async email_verification(trx: Knex.Transaction, request: MailRequest): Promise<void> {
      const user = await userByEmail(trx, request.email);
      if (user && !user.email_verified) await mailVerificationCode(services, trx, user);
    },
  };
}
