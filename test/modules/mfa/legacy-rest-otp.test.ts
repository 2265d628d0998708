import type { LightMyRequestResponse } from 'fastify';
import { startTestApp, type TestApp } from '../../helpers/app';
import { decodeJwt, PASSWORD, post, registerOperator, setCookies } from '../../helpers/auth';
import { engine } from '../../helpers/db';
import { enrolledOperator, nextStep, totpNow, wrongCode } from '../../helpers/mfa';

const basic = (email: string, password: string) => `Basic ${Buffer.from(`${email}:${password}`).toString('base64')}`;

/**
 * Issue 18, item 3 on the legacy REST surface (CONTRACT section 6): `/auth/login` takes an
 * optional `otp` in its body, `/auth/token` an `X-OTP` header; an account with a second factor
 * answers 401 `Multi-factor authentication required` without one. Accounts without a second
 * factor answer exactly as before, whatever `otp` they send.
 */
describe(`legacy REST sign-in with a second factor (${engine})`, () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  const token = (email: string, password: string, headers: Record<string, string> = {}): Promise<LightMyRequestResponse> =>
    t.app.inject({ method: 'POST', url: '/auth/token', headers: { authorization: basic(email, password), ...headers } });

  it('/auth/login without otp: 401 {"detail":"Multi-factor authentication required"}, no cookies, no mfaToken', async () => {
    const op = await enrolledOperator(t, 'rest-login@example.com');
    const res = await post(t, '/auth/login', { email: op.email, password: PASSWORD });
    expect(res.statusCode).toBe(401);
    expect(res.body).toBe('{"detail":"Multi-factor authentication required"}');
    expect(res.headers['content-type']).toBe('application/json');
    expect(res.headers['www-authenticate']).toBeUndefined();
    expect(setCookies(res)).toEqual([]);
    // REST cannot show a challenge, so none is made.
    expect(await t.db('mfa_challenges').where({ user_id: op.userId }).first()).toBeUndefined();
    // "" and null are no otp either.
    for (const otp of ['', null]) expect((await post(t, '/auth/login', { email: op.email, password: PASSWORD, otp })).body).toBe('{"detail":"Multi-factor authentication required"}');
    // A wrong password is the usual answer, whatever otp comes with it.
    const wrong = await post(t, '/auth/login', { email: op.email, password: 'not the password', otp: totpNow(t, op.secret) });
    expect([wrong.statusCode, wrong.body]).toEqual([401, '{"detail":"Invalid email or password"}']);
  });

  it('/auth/login with the TOTP code or a recovery code: 200, cookies, an aal2 session', async () => {
    const op = await enrolledOperator(t, 'rest-otp@example.com');
    const res = await post(t, '/auth/login', { email: op.email, password: PASSWORD, otp: totpNow(t, op.secret) });
    expect(res.statusCode).toBe(200);
    expect(Object.keys(res.json())).toEqual(['access_token', 'email_verified', 'expires_in', 'refresh_token', 'token_type']);
    expect(decodeJwt(res.json().access_token)).toMatchObject({ amr: ['pwd', 'otp'], acr: 'aal2' });
    expect(setCookies(res).map((cookie) => cookie.split('=')[0])).toEqual(['access_token', 'refresh_token']);
    const recovery = await post(t, '/auth/login', { email: op.email, password: PASSWORD, otp: op.recoveryCodes[0] });
    expect(recovery.statusCode).toBe(200);
  });

  it('/auth/login with a wrong or replayed otp: 401 {"detail":"Invalid authentication code"}', async () => {
    const op = await enrolledOperator(t, 'rest-wrong@example.com');
    const wrong = await post(t, '/auth/login', { email: op.email, password: PASSWORD, otp: wrongCode(t, op.secret) });
    expect([wrong.statusCode, wrong.body]).toEqual([401, '{"detail":"Invalid authentication code"}']);
    expect(wrong.headers['www-authenticate']).toBeUndefined();
    const code = totpNow(t, op.secret);
    expect((await post(t, '/auth/login', { email: op.email, password: PASSWORD, otp: code })).statusCode).toBe(200);
    expect((await post(t, '/auth/login', { email: op.email, password: PASSWORD, otp: code })).body).toBe('{"detail":"Invalid authentication code"}');
  });

  it('otp is validated as the legacy model would: an optional string of at most 64 characters, after email and password', async () => {
    const op = await enrolledOperator(t, 'rest-422@example.com');
    const notString = await post(t, '/auth/login', { email: op.email, password: PASSWORD, otp: 123456 });
    expect(notString.statusCode).toBe(422);
    expect(notString.body).toBe('{"detail":[{"type":"string_type","loc":["body","otp"],"msg":"Input should be a valid string","input":123456}]}');
    const long = 'x'.repeat(65);
    const tooLong = await post(t, '/auth/login', { email: 'not-an-email', password: PASSWORD, otp: long });
    expect(tooLong.body).toBe(
      `{"detail":[{"type":"value_error","loc":["body","email"],"msg":"value is not a valid email address: An email address must have an @-sign.","input":"not-an-email","ctx":{"reason":"An email address must have an @-sign."}},{"type":"string_too_long","loc":["body","otp"],"msg":"String should have at most 64 characters","input":"${long}","ctx":{"max_length":64}}]}`,
    );
  });

  it('an account without a second factor answers exactly as before, whatever otp it sends', async () => {
    await registerOperator(t, 'plain@example.com');
    const without = await post(t, '/auth/login', { email: 'plain@example.com', password: PASSWORD });
    const withOtp = await post(t, '/auth/login', { email: 'plain@example.com', password: PASSWORD, otp: '000000', extra: 'ignored' });
    for (const res of [without, withOtp]) {
      expect(res.statusCode).toBe(200);
      expect(Object.keys(res.json())).toEqual(['access_token', 'email_verified', 'expires_in', 'refresh_token', 'token_type']);
      expect(decodeJwt(res.json().access_token)).toMatchObject({ amr: ['pwd'], acr: 'aal1' });
    }
    expect((await post(t, '/auth/login', { email: 'plain@example.com', password: 'wrong password', otp: '000000' })).body).toBe('{"detail":"Invalid email or password"}');
    const tokenRes = await token('plain@example.com', PASSWORD, { 'x-otp': 'anything' });
    expect(tokenRes.statusCode).toBe(200);
    expect(decodeJwt(tokenRes.json().access_token)).toMatchObject({ amr: ['pwd'], acr: 'aal1' });
  });

  it('/auth/token takes the code in the X-OTP header; without it 401 MFA required (with WWW-Authenticate: Basic, as every 401 there)', async () => {
    const op = await enrolledOperator(t, 'rest-token@example.com');
    const missing = await token(op.email, PASSWORD);
    expect([missing.statusCode, missing.body, missing.headers['www-authenticate']]).toEqual([401, '{"detail":"Multi-factor authentication required"}', 'Basic']);
    const wrong = await token(op.email, PASSWORD, { 'x-otp': wrongCode(t, op.secret) });
    expect([wrong.statusCode, wrong.body, wrong.headers['www-authenticate']]).toEqual([401, '{"detail":"Invalid authentication code"}', 'Basic']);
    const right = await token(op.email, PASSWORD, { 'X-OTP': totpNow(t, op.secret) });
    expect(right.statusCode).toBe(200);
    expect(setCookies(right)).toEqual([]);
    expect(decodeJwt(right.json().access_token)).toMatchObject({ amr: ['pwd', 'otp'], acr: 'aal2' });
    nextStep(t);
    // A body is still ignored, as it always was on this endpoint: the code goes in the header.
    const inBody = await t.app.inject({
      method: 'POST',
      url: '/auth/token',
      headers: { authorization: basic(op.email, PASSWORD), 'content-type': 'application/json' },
      payload: JSON.stringify({ otp: totpNow(t, op.secret) }),
    });
    expect(inBody.body).toBe('{"detail":"Multi-factor authentication required"}');
  });

  it('wrong codes over REST count toward the address lock too', async () => {
    const op = await enrolledOperator(t, 'rest-lock@example.com');
    for (let i = 0; i < 10; i += 1) expect((await post(t, '/auth/login', { email: op.email, password: PASSWORD, otp: wrongCode(t, op.secret) })).statusCode).toBe(401);
    const locked = await post(t, '/auth/login', { email: op.email, password: PASSWORD, otp: totpNow(t, op.secret) });
    expect([locked.statusCode, locked.body]).toEqual([429, '{"detail":"Too many requests"}']);
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(0);
  });

  it('the OpenAPI document shows the optional otp field and the X-OTP header', async () => {
    const doc = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    const login = doc.paths['/auth/login'].post;
    expect(login.requestBody.content['application/json'].schema).toMatchObject({
      properties: { otp: { anyOf: [{ type: 'string', maxLength: 64 }, { type: 'null' }] } },
      required: ['email', 'password'],
    });
    expect(login.description).toContain('Multi-factor authentication required');
    expect(doc.paths['/auth/token'].post.parameters).toEqual([{ name: 'X-OTP', in: 'header', required: false, description: expect.any(String), schema: { type: 'string' } }]);
  });
});
