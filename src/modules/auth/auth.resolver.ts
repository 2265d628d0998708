import { Arg, Authorized, Ctx, FieldResolver, Mutation, Query, Resolver, Root } from 'type-graphql';
import { Role, type OperatorPrincipal } from '../../graphql/auth-checker';
import { ACCESS_TOKEN_TYPE } from '../../graphql/authenticate';
import { requestContext, type GqlContext } from '../../graphql/context';
import { isUniqueViolation } from '../../db/errors';
import { recordAudit } from '../../lib/audit';
import { inWords } from '../../lib/durations';
import { emailKey } from '../../lib/email-key';
import { LIMITS } from '../../lib/limits';
import { DomainError } from '../../lib/errors';
import { newId } from '../../lib/ids';
import { sha256Hex } from '../../lib/secrets';
import type { IssuedRefresh } from '../../db/sessions';
import { limitMailRequests } from './auth.limits';
import { checkAccountPassword, checkOneTimeSecret } from './credential-checks';
import { endSession, rotateRefreshToken, sessionOrigin } from './session-flows';
import { EMAILED_CODE, PASSWORD, type Assurance, type ProvedAssurance } from '../../lib/assurance';
import { mailVerificationCode, RESET_TOKEN_TTL_MS, verifySubject } from './auth.mail-requests';
import { dropPendingSignIns, secondFactorAtSignIn } from '../mfa/sign-in';
import { User } from './auth.model';
import {
  EmailInput,
  LoginInput,
  RefreshInput,
  RegisterInput,
  ResetPasswordInput,
  TokenCredentialsInput,
  VerifyEmailInput,
} from './auth.inputs';
import { Me, Message, OPERATOR_ACCESS_TTL_SECONDS, Operator, TenantMembership, TokenPair } from './auth.types';
import { RequiresStepUp } from '../access/step-up';

const LOGIN_LOCK = LIMITS.loginFailuresPerAddress;

export const FORGOT_PASSWORD_MESSAGE = 'If that email is registered, a reset link has been sent';
export const RESEND_VERIFICATION_MESSAGE = 'If that email needs verification, a code has been sent';
export const PASSWORD_RESET_MESSAGE = 'Password has been reset';

const iso = (date: Date) => date.toISOString();

const toOperator = (user: Pick<User, 'id' | 'email' | 'email_verified' | 'is_admin' | 'created_at'>): Operator => ({
  id: user.id,
  email: user.email,
  emailVerified: user.email_verified,
  isAdmin: user.is_admin,
  createdAt: user.created_at,
});

async function findUserByEmail(ctx: GqlContext, email: string): Promise<User | undefined> {
  return User.query(ctx.db).findOne({ email_lower: emailKey(email) });
}

/**
 * A token pair for a session: a signed access token and the session's new refresh token. The
 * access token says what the session proved (`amr`, `acr`: src/lib/assurance.ts).
 */
export function tokenPair(ctx: GqlContext, user: Pick<User, 'id' | 'email_verified'>, issued: IssuedRefresh): TokenPair {
  return {
    accessToken: signAccessToken(ctx, user, issued.sessionId, issued.assurance),
    emailVerified: user.email_verified,
    expiresIn: OPERATOR_ACCESS_TTL_SECONDS,
    refreshToken: issued.refreshToken,
    tokenType: 'bearer',
  };
}

/**
 * An operator access token for a session, saying what the session proved and when (`auth_time`,
 * OIDC's claim: step-up checks its age). A step-up signs one alone.
 */
export function signAccessToken(ctx: GqlContext, user: Pick<User, 'id' | 'email_verified'>, sessionId: string, { amr, acr, authTime }: ProvedAssurance): string {
  return ctx.jwt.sign(
    { sub: user.id, evf: user.email_verified, typ: ACCESS_TOKEN_TYPE, jti: newId(), sid: sessionId, amr, acr, auth_time: authTime },
    OPERATOR_ACCESS_TTL_SECONDS,
  );
}

/** Starts an operator session on this request's device, with what its person proved. */
export async function startSession(ctx: GqlContext, user: Pick<User, 'id' | 'email_verified'>, assurance: Assurance): Promise<TokenPair> {
  const issued = await ctx.sessions.start(ctx.db, 'user', user.id, ctx.config.auth.operatorRefreshTtlSeconds, sessionOrigin(ctx, assurance));
  return tokenPair(ctx, user, issued);
}

/**
 * Checks an email and password (see `checkAccountPassword`): the same 401 for an unknown
 * address and a wrong password, and the same throttle for both.
 */
async function checkPassword(ctx: GqlContext, email: string, password: string): Promise<User> {
  const user = await findUserByEmail(ctx, email);
  let valid: boolean;
  try {
    valid = await checkAccountPassword(ctx, email, user?.password_hash, password);
  } catch (error) {
    // Refused before any check: the address is locked, or the IP's failure budget is spent.
    if (error instanceof DomainError && error.code === 'RATE_LIMITED') ctx.metrics.login('locked');
    throw error;
  }
  if (!valid || !user) {
    ctx.metrics.login('failure');
    throw new DomainError('INVALID_CREDENTIALS');
  }
  // A right password is no success yet: that is counted when the session starts.
  if (ctx.passwords.needsRehash(user.password_hash)) {
    const rehashed = await ctx.passwords.hash(password);
    await User.query(ctx.db).patch({ password_hash: rehashed, updated_at: ctx.clock.now() }).where('id', user.id);
  }
  return user;
}

/**
 * Signs in with a password, and the second factor when the account has one: `otp` (a TOTP
 * or recovery code) given with the password, or else MFA_REQUIRED with an `mfaToken` for
 * `verifyMfa` (src/modules/mfa/sign-in.ts). A wrong password is INVALID_CREDENTIALS either way.
 */
async function passwordSignIn(ctx: GqlContext, email: string, password: string, otp: string | undefined): Promise<TokenPair> {
  const user = await checkPassword(ctx, email, password);
  const assurance = await secondFactorAtSignIn(ctx, user, PASSWORD, otp);
  await recordAudit(requestContext(ctx), ctx.db, { tenantId: null, action: 'login.succeeded', targetKind: 'user', targetId: user.id });
  const pair = await startSession(ctx, user, assurance);
  ctx.metrics.login('success');
  return pair;
}

async function createUser(ctx: GqlContext, email: string, password: string, flags: { verified: boolean; admin: boolean }): Promise<User> {
  // Hash before the transaction: argon2 is slow on purpose and must not hold a connection.
  const passwordHash = await ctx.passwords.hash(password);
  const now = ctx.clock.now();
  try {
    return await ctx.db.transaction(async (trx) => {
      const user = await User.query(trx).insertAndFetch({
        id: newId(),
        email,
        email_lower: emailKey(email),
        password_hash: passwordHash,
        email_verified: flags.verified,
        is_admin: flags.admin,
        created_at: now,
        updated_at: now,
      });
      if (!flags.verified) await mailVerificationCode(ctx, trx, user);
      return user;
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw new DomainError('EMAIL_TAKEN');
    throw error;
  }
}

@Resolver()
export class AuthResolver {
  @Mutation(() => TokenPair, { description: 'Creates an operator account, mails a verification code, and signs in.' })
  async register(@Arg('input') input: RegisterInput, @Ctx() ctx: GqlContext): Promise<TokenPair> {
    await ctx.limits.take('registrationsPerIp', ctx.ip);
    const user = await createUser(ctx, input.email, input.password, { verified: false, admin: false });
    return startSession(ctx, user, PASSWORD);
  }

  @Mutation(() => TokenPair, {
    description: `Signs in with email and password (and \`otp\` for an account with a second factor, else MFA_REQUIRED: see verifyMfa). ${LOGIN_LOCK.limit} failures per address in ${inWords(LOGIN_LOCK.windowSeconds * 1000)} (by default): 429.`,
  })
  async login(@Arg('input') input: LoginInput, @Ctx() ctx: GqlContext): Promise<TokenPair> {
    return passwordSignIn(ctx, input.email, input.password, input.otp);
  }

  @Mutation(() => TokenPair, { description: 'Like login, for HTTP Basic callers (`/auth/token`, which sets no cookies).' })
  async token(@Arg('input') input: TokenCredentialsInput, @Ctx() ctx: GqlContext): Promise<TokenPair> {
    return passwordSignIn(ctx, input.email, input.password, input.otp);
  }

  @Mutation(() => TokenPair, { description: 'Rotates a refresh token into a new pair (reuse of a rotated token revokes the session).' })
  async refresh(@Arg('input') input: RefreshInput, @Ctx() ctx: GqlContext): Promise<TokenPair> {
    const issued = await rotateRefreshToken(ctx, input.refreshToken, 'user');
    if (issued.emailVerified !== undefined) return tokenPair(ctx, { id: issued.subjectId, email_verified: issued.emailVerified }, issued);
    const user = await ctx.hot.userVerified(issued.subjectId);
    if (!user) throw new DomainError('INVALID_REFRESH_TOKEN');
    return tokenPair(ctx, { id: user.id, email_verified: Boolean(user.email_verified) }, issued);
  }

  @Mutation(() => Boolean, { description: 'Ends the session of the refresh token (or of the access token). Never fails.' })
  async logout(@Arg('input') input: RefreshInput, @Ctx() ctx: GqlContext): Promise<boolean> {
    return endSession(ctx, input.refreshToken, 'user');
  }

  @Authorized(Role.Operator)
  @Query(() => Me, { description: 'The signed-in operator and their tenants (works before email verification).' })
  async me(@Ctx() ctx: GqlContext): Promise<Me> {
    // The session check already read the user (one statement); the tenants are the second,
    // run only when selected (MeResolver below).
    const principal = ctx.principal as OperatorPrincipal;
    return {
      id: principal.userId,
      email: principal.email,
      emailVerified: principal.emailVerified,
      isAdmin: principal.isAdmin,
      createdAt: principal.createdAt,
    };
  }

  @Mutation(() => Message, { description: 'Mails a password-reset link if the address has an account; answers the same either way.' })
  async forgotPassword(@Arg('input') input: EmailInput, @Ctx() ctx: GqlContext): Promise<Message> {
    await limitMailRequests(ctx, 'forgot-password');
    // The same single insert for every address: the timing cannot tell whether it has an account.
    await ctx.mailRequests.enqueue(ctx.db, { kind: 'password_reset', email: emailKey(input.email) });
    return { message: FORGOT_PASSWORD_MESSAGE };
  }

  @Mutation(() => Message, { description: `Sets a new password with a reset link token (single use, ${inWords(RESET_TOKEN_TTL_MS)}) and ends every session.` })
  async resetPassword(@Arg('input') input: ResetPasswordInput, @Ctx() ctx: GqlContext): Promise<Message> {
    const now = ctx.clock.now();
    let found: { id: string; user_id: string } | undefined;
    const valid = await checkOneTimeSecret(ctx, async () => {
      found = await ctx.db('password_resets').where('token_hash', sha256Hex(input.token)).whereNull('used_at').andWhere('expires_at', '>', iso(now)).first('id', 'user_id');
      return found !== undefined;
    });
    const reset = found as { id: string; user_id: string } | undefined;
    if (!valid || !reset) throw new DomainError('INVALID_RESET_TOKEN');
    const passwordHash = await ctx.passwords.hash(input.newPassword);
    await ctx.db.transaction(async (trx) => {
      // Conditional: of two requests with one token, exactly one resets the password.
      const used = await trx('password_resets').where({ id: reset.id }).whereNull('used_at').update({ used_at: iso(now) });
      if (used !== 1) throw new DomainError('INVALID_RESET_TOKEN');
      await trx('password_resets').where({ user_id: reset.user_id }).whereNull('used_at').update({ used_at: iso(now) });
      await User.query(trx).patch({ password_hash: passwordHash, updated_at: now }).where('id', reset.user_id);
      await ctx.sessions.revokeAll(trx, 'user', reset.user_id, 'password_reset');
      await dropPendingSignIns(trx, reset.user_id);
      await recordAudit(requestContext(ctx), trx, { tenantId: null, action: 'password.reset', targetKind: 'user', targetId: reset.user_id });
    });
    return { message: PASSWORD_RESET_MESSAGE };
  }

  @Mutation(() => Message, { description: 'Mails a new verification code to an unverified account; answers the same either way.' })
  async resendVerification(@Arg('input') input: EmailInput, @Ctx() ctx: GqlContext): Promise<Message> {
    await limitMailRequests(ctx, 'resend-verification');
    // The same single insert for every address: the timing cannot tell whether it needs a code.
    await ctx.mailRequests.enqueue(ctx.db, { kind: 'email_verification', email: emailKey(input.email) });
    return { message: RESEND_VERIFICATION_MESSAGE };
  }

  @Mutation(() => TokenPair, { description: 'Confirms the address with the mailed code and signs in with a verified token.' })
  async verifyEmail(@Arg('input') input: VerifyEmailInput, @Ctx() ctx: GqlContext): Promise<TokenPair> {
    const user = await findUserByEmail(ctx, input.email);
    const valid = await checkOneTimeSecret(ctx, async () => user !== undefined && !user.email_verified && (await ctx.codes.verify(ctx.db, 'verify_email', verifySubject(user.id), input.code)));
    if (!valid || !user) throw new DomainError('INVALID_CODE');
    await User.query(ctx.db).patch({ email_verified: true, updated_at: ctx.clock.now() }).where('id', user.id);
    return startSession(ctx, { id: user.id, email_verified: true }, EMAILED_CODE);
  }

  @Authorized(Role.PlatformAdmin)
  @Mutation(() => Operator, { description: 'Creates a verified platform administrator.' })
  @RequiresStepUp()
  async createAdmin(@Arg('input') input: RegisterInput, @Ctx() ctx: GqlContext): Promise<Operator> {
    return toOperator(await createUser(ctx, input.email, input.password, { verified: true, admin: true }));
  }

  /**
   * Promoting someone already an admin changes and records nothing. Their email stays as it
   * was: an unverified admin is refused (`Email not verified`) until they verify it, so a
   * promotion never vouches for an address nobody proved.
   */
  @Authorized(Role.PlatformAdmin)
  @Mutation(() => Operator, { description: 'Makes an existing operator a platform administrator (acting as one still needs a verified email).' })
  @RequiresStepUp()
  async promoteAdmin(@Arg('input') input: EmailInput, @Ctx() ctx: GqlContext): Promise<Operator> {
    const user = await findUserByEmail(ctx, input.email);
    if (!user) throw new DomainError('USER_NOT_FOUND');
    if (!user.is_admin) {
      await ctx.db.transaction(async (trx) => {
        await User.query(trx).patch({ is_admin: true, updated_at: ctx.clock.now() }).where('id', user.id);
        await recordAudit(requestContext(ctx), trx, { tenantId: null, action: 'admin.promoted', targetKind: 'user', targetId: user.id });
      });
    }
    return toOperator({ ...user, is_admin: true });
  }

  @Authorized(Role.PlatformAdmin)
  @Query(() => [Operator], { description: 'The platform administrators, by email.' })
  async admins(@Ctx() ctx: GqlContext): Promise<Operator[]> {
    return (await User.query(ctx.db).where('is_admin', true).orderBy('email_lower')).map(toOperator);
  }
}


@Resolver(() => Me)
export class MeResolver {
  @FieldResolver(() => [TenantMembership])
  tenants(@Root() me: Me, @Ctx() ctx: GqlContext): Promise<readonly TenantMembership[]> {
    return ctx.hot.memberships(me.id);
  }
}
