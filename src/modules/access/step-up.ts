import { UseMiddleware, type MiddlewareFn } from 'type-graphql';
import type { GqlContext } from '../../graphql/context';
import type { Db } from '../../db/knex';
import { DomainError } from '../../lib/errors';
import { hasSecondFactor } from '../mfa/second-factor';
import { hasPasskey } from '../passkeys/passkeys';

/**
 * Step-up (issue 18, item 4; docs/security.md, "Step-up"). An operator who has a second factor
 * (TOTP or a passkey) must have proved it in the session that asks for a sensitive operation:
 * the access token's `acr` is `aal2` (a sign-in with `verifyMfa` or a passkey, or `stepUp` in
 * the session). Otherwise the operation fails with STEP_UP_REQUIRED before it runs (and before
 * its input is validated: who may act is judged first, as everywhere).
 *
 * Why: a session that proved only a password (one started before the factor was added, or an
 * access token stolen from it) must not be able to weaken the account (remove or replace a
 * factor, hand out recovery codes, change the address that resets the password, delete it) or
 * act with the tenant's keys and people. Accounts without a second factor are unaffected, so
 * every legacy answer stays what it was for them; API keys and the CLI are not people and
 * have no factor to prove (what a key may do is limited elsewhere: keys manage neither keys
 * nor people).
 */
const operations = new Set<string>();

/** The operations that need aal2 from an operator with a second factor (for docs and tests). */
export function stepUpOperations(): readonly string[] {
  return [...operations].sort();
}

/** Whether the operator has a factor beyond the password: TOTP or a passkey. */
export async function hasStrongFactor(db: Db, userId: string): Promise<boolean> {
  const [totp, passkey] = await Promise.all([hasSecondFactor(db, userId), hasPasskey(db, userId)]);
  return totp || passkey;
}

/**
 * Refuses an operator whose account has a second factor unless the session proved it, at
 * `aal2`, within STEP_UP_MAX_AGE_MINUTES (the token's `auth_time`): a refresh token stolen days
 * after a step-up does not carry that step-up's power with it.
 */
export async function requireStepUp(ctx: GqlContext): Promise<void> {
  const { principal } = ctx;
  if (principal.kind !== 'operator') return;
  const { acr, authTime } = principal.assurance;
  const age = Math.floor(ctx.clock.now().getTime() / 1000) - authTime;
  if (acr === 'aal2' && age <= ctx.config.auth.stepUpMaxAgeSeconds) return;
  if (await hasStrongFactor(ctx.db, principal.userId)) throw new DomainError('STEP_UP_REQUIRED');
}

const stepUpMiddleware: MiddlewareFn<GqlContext> = async ({ context }, next) => {
  await requireStepUp(context);
  return next();
};

/**
 * Marks a sensitive mutation. type-graphql runs `@Authorized` first, so the caller is known
 * (and a 401 or 403 answers before a step-up does).
 */
export function RequiresStepUp(): MethodDecorator {
  return (target, propertyKey, descriptor) => {
    operations.add(String(propertyKey));
    UseMiddleware(stepUpMiddleware)(target, propertyKey, descriptor);
  };
}
