import { CREATE_API_KEY } from '../../../src/cli/operations';
import { hasSecondFactor } from '../../../src/modules/mfa/second-factor';
import { startTestApp, type TestApp } from '../../helpers/app';
import { bearer, decodeJwt, graphql, lastCodeFor, PASSWORD, post, registerOperator, verifiedOperator } from '../../helpers/auth';
import { seedShop } from '../../helpers/customers';
import { engine } from '../../helpers/db';
import { CONFIRM_TOTP, enrolledOperator, nextStep, START_TOTP, STEP_UP, totpNow, wrongCode } from '../../helpers/mfa';
import { asPlatform } from '../../helpers/seed';

const codeOf = (res: { errors?: Array<{ extensions: Record<string, unknown> }> }) => res.errors?.[0]?.extensions.code;

/** Issue 18: a signed-in operator proves the second factor again to raise the session to aal2. */
describe(`step-up (${engine})`, () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('raises the current session to aal2: a new access token for the same session, and refreshes keep it', async () => {
    // A password session from before TOTP was turned on (aal1); TOTP is enrolled from another.
    const { access_token: accessToken, refresh_token: refreshToken } = await registerOperator(t, 'step@example.com');
    const verified = (await post(t, '/auth/verify-email', { email: 'step@example.com', code: await lastCodeFor(t, 'step@example.com') })).json();
    const secret = (await graphql(t, START_TOTP, {}, bearer(verified.access_token))).data?.startTotpEnrollment.secret;
    await graphql(t, CONFIRM_TOTP, { code: totpNow(t, secret) }, bearer(verified.access_token));
    nextStep(t);
    expect(decodeJwt(accessToken)).toMatchObject({ amr: ['pwd'], acr: 'aal1' });

    const res = await graphql(t, STEP_UP, { code: totpNow(t, secret) }, bearer(accessToken));
    const stepped = res.data?.stepUp;
    expect(stepped).toMatchObject({ expiresIn: 1800, tokenType: 'bearer', amr: ['pwd', 'otp'], acr: 'aal2' });
    const claims = decodeJwt(stepped.accessToken);
    expect(claims).toMatchObject({ amr: ['pwd', 'otp'], acr: 'aal2', sid: decodeJwt(accessToken).sid, sub: decodeJwt(accessToken).sub, typ: 'access' });
    expect((await graphql(t, '{ me { email } }', {}, bearer(stepped.accessToken))).data?.me.email).toBe('step@example.com');
    const refreshed = (await post(t, '/auth/refresh', { refresh_token: refreshToken })).json();
    expect(decodeJwt(refreshed.access_token)).toMatchObject({ amr: ['pwd', 'otp'], acr: 'aal2', sid: claims.sid });
  });

  it('a session started by the emailed code steps up to amr email+otp, aal2', async () => {
    const op = await enrolledOperator(t, 'email-step@example.com');
    const res = await graphql(t, STEP_UP, { code: op.recoveryCodes[0] }, bearer(op.pair.access_token));
    expect(res.data?.stepUp).toMatchObject({ amr: ['email', 'otp'], acr: 'aal2' });
    const actions = (await t.db('audit_events').where({ target_id: op.userId }).select('action')).map((row) => row.action);
    expect(actions).toContain('recovery_code.used');
  });

  it('a wrong or replayed code is refused and counts toward the login lock; no second factor: TOTP_NOT_ENABLED', async () => {
    const op = await enrolledOperator(t, 'step-wrong@example.com');
    const token = bearer(op.pair.access_token);
    expect(codeOf(await graphql(t, STEP_UP, { code: wrongCode(t, op.secret) }, token))).toBe('INVALID_MFA_CODE');
    const code = totpNow(t, op.secret);
    expect((await graphql(t, STEP_UP, { code }, token)).data?.stepUp).toBeDefined();
    expect(codeOf(await graphql(t, STEP_UP, { code }, token))).toBe('INVALID_MFA_CODE');
    for (let i = 0; i < 8; i += 1) expect(codeOf(await graphql(t, STEP_UP, { code: wrongCode(t, op.secret) }, token))).toBe('INVALID_MFA_CODE');
    // 10 failures: the address is locked, for step-ups and sign-ins alike.
    nextStep(t);
    expect(codeOf(await graphql(t, STEP_UP, { code: totpNow(t, op.secret) }, token))).toBe('RATE_LIMITED');
    expect((await post(t, '/auth/login', { email: op.email, password: PASSWORD, otp: totpNow(t, op.secret) })).statusCode).toBe(429);

    const plain = await verifiedOperator(t, 'step-plain@example.com');
    expect(codeOf(await graphql(t, STEP_UP, { code: '123456' }, bearer(plain.access_token)))).toBe('TOTP_NOT_ENABLED');
    const user = await t.db('users').where({ email_lower: 'step-plain@example.com' }).first('id');
    expect(await hasSecondFactor(t.db, user.id)).toBe(false);
  });

  it('10 parallel step-ups with one code: one succeeds', async () => {
    const op = await enrolledOperator(t, 'step-parallel@example.com');
    const code = totpNow(t, op.secret);
    const results = await Promise.all(Array.from({ length: 10 }, () => graphql(t, STEP_UP, { code }, bearer(op.pair.access_token))));
    expect(results.filter((res) => res.data?.stepUp)).toHaveLength(1);
    expect(results.filter((res) => codeOf(res) === 'INVALID_MFA_CODE')).toHaveLength(9);
  });

  it('needs a live operator session: not an API key, not a session that ended', async () => {
    const op = await enrolledOperator(t, 'step-who@example.com');
    await seedShop(t, 'step-shop');
    const key = (await asPlatform<{ createApiKey: { key: string } }>(t, CREATE_API_KEY, { input: { tenantSlug: 'step-shop', name: 'step' } })).createApiKey.key;
    expect(codeOf(await graphql(t, STEP_UP, { code: totpNow(t, op.secret) }, { 'x-api-key': key }))).toBe('PERSON_TOKEN_REQUIRED');
    expect(codeOf(await graphql(t, STEP_UP, { code: totpNow(t, op.secret) }))).toBe('NOT_AUTHENTICATED');
    await post(t, '/auth/logout', { refresh_token: op.pair.refresh_token });
    expect(codeOf(await graphql(t, STEP_UP, { code: totpNow(t, op.secret) }, bearer(op.pair.access_token)))).toBe('INVALID_TOKEN');
  });
});
