import { base32Decode, hotp, timeStep, TOTP_PERIOD_SECONDS } from '../../src/lib/totp';
import type { TestApp } from './app';
import { bearer, graphql, PASSWORD, verifiedOperator, type Pair } from './auth';

/** The code an authenticator app holding `secret` shows now (on the test clock), or `steps` away. */
export function totpNow(t: TestApp, secret: string, steps = 0): string {
  const key = base32Decode(secret);
  if (!key) throw new Error(`not a base32 secret: ${secret}`);
  return hotp(key, timeStep(t.clock.now()) + steps);
}

/** A 6-digit code that is none of the codes accepted now (the current step and one either side). */
export function wrongCode(t: TestApp, secret: string): string {
  const accepted = [-1, 0, 1].map((steps) => totpNow(t, secret, steps));
  for (let n = 0; ; n += 1) {
    const code = String(n).padStart(6, '0');
    if (!accepted.includes(code)) return code;
  }
}

/** Moves the test clock to the next 30-second step (a code is accepted once per step). */
export function nextStep(t: TestApp, steps = 1): void {
  t.clock.advance(steps * TOTP_PERIOD_SECONDS * 1000);
}

export const START_TOTP = 'mutation { startTotpEnrollment { secret otpauthUri } }';
export const CONFIRM_TOTP = 'mutation($code: String!) { confirmTotpEnrollment(code: $code) { codes } }';
export const VERIFY_MFA = 'mutation($mfaToken: String!, $code: String!) { verifyMfa(mfaToken: $mfaToken, code: $code) { accessToken refreshToken emailVerified expiresIn tokenType } }';
export const STEP_UP = 'mutation($code: String!) { stepUp(code: $code) { accessToken expiresIn tokenType amr acr } }';
export const LOGIN = 'mutation($email: String!, $password: String!, $otp: String) { login(input: { email: $email, password: $password, otp: $otp }) { accessToken refreshToken } }';

export interface EnrolledOperator {
  email: string;
  userId: string;
  /** The session of the email verification (amr ["email"], aal1), from before TOTP was on. */
  pair: Pair;
  secret: string;
  recoveryCodes: string[];
}

/**
 * A verified operator with TOTP on. The confirming code used the current step: the clock is
 * moved on one step, so the next `totpNow` is a fresh code.
 */
export async function enrolledOperator(t: TestApp, email: string): Promise<EnrolledOperator> {
  const pair = await verifiedOperator(t, email);
  const started = await graphql(t, START_TOTP, {}, bearer(pair.access_token));
  const secret: string = started.data?.startTotpEnrollment.secret;
  if (!secret) throw new Error(`startTotpEnrollment failed: ${JSON.stringify(started.errors)}`);
  const confirmed = await graphql(t, CONFIRM_TOTP, { code: totpNow(t, secret) }, bearer(pair.access_token));
  const recoveryCodes: string[] = confirmed.data?.confirmTotpEnrollment.codes;
  if (!recoveryCodes) throw new Error(`confirmTotpEnrollment failed: ${JSON.stringify(confirmed.errors)}`);
  nextStep(t);
  const user = await t.db('users').where({ email_lower: email.toLowerCase() }).first('id');
  return { email, userId: user.id, pair, secret, recoveryCodes };
}

/**
 * What a client does before a sensitive operation (docs/security.md): proves the second
 * factor (a TOTP or recovery code) in the session of `accessToken` with `stepUp`; the aal2
 * access token of that session. A TOTP code is accepted once per account: move the clock a
 * step (`nextStep`) before using `totpNow` again.
 */
export async function steppedUp(t: TestApp, accessToken: string, code: string): Promise<string> {
  const res = await graphql(t, STEP_UP, { code }, bearer(accessToken));
  const token: string | undefined = res.data?.stepUp.accessToken;
  if (!token || res.data?.stepUp.acr !== 'aal2') throw new Error(`stepUp failed: ${JSON.stringify(res)}`);
  return token;
}

/** GraphQL login of an MFA account: the mfaToken its MFA_REQUIRED carries. */
export async function mfaTokenFor(t: TestApp, email: string, password = PASSWORD): Promise<string> {
  const res = await graphql(t, LOGIN, { email, password });
  const error = res.errors?.[0];
  if (error?.extensions.code !== 'MFA_REQUIRED') throw new Error(`expected MFA_REQUIRED, got ${JSON.stringify(res)}`);
  return error.extensions.mfaToken;
}
