import type { LightMyRequestResponse } from 'fastify';
import { startTestApp, type TestApp } from '../../helpers/app';
import { decodeJwt, PASSWORD, post, registerOperator, setCookies } from '../../helpers/auth';
import { engine } from '../../helpers/db';
import { enrolledOperator, nextStep, totpNow, wrongCode } from '../../helpers/mfa';

const basic = (email: string, password: string) => `Basic ${Buffer.from(`${email}:${password}`).toString('base64')}`;

/**
 * Issue 18, item 3 on the legacy REST surface (CONTRACT section 6): `/auth/login` takes an
 * optional `otp` in its body, `/auth/token` an `X-OTP` header or a string `otp` in a JSON or
 * urlencoded body; an account with a second factor answers 401 `Multi-factor authentication
 * required` without one. Accounts without a second factor answer exactly as before, whatever
 * `otp` (or body) they send.
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
  });

  const tokenWithBody = (email: string, password: string, contentType: string, payload: string, headers: Record<string, string> = {}) =>
    t.app.inject({ method: 'POST', url: '/auth/token', headers: { authorization: basic(email, password), 'content-type': contentType, ...headers }, payload });
  const JSON_TYPE = 'application/json';
  const FORM_TYPE = 'application/x-www-form-urlencoded';
  const MFA_REQUIRED = '{"detail":"Multi-factor authentication required"}';

  it('/auth/token also takes a string otp from a JSON object or a urlencoded form body', async () => {
    const op = await enrolledOperator(t, 'rest-token-body@example.com');
    const json = await tokenWithBody(op.email, PASSWORD, JSON_TYPE, JSON.stringify({ otp: totpNow(t, op.secret) }));
    expect(json.statusCode).toBe(200);
    expect(setCookies(json)).toEqual([]);
    expect(decodeJwt(json.json().access_token)).toMatchObject({ amr: ['pwd', 'otp'], acr: 'aal2' });
    nextStep(t);
    // An OAuth-style form with other fields, a charset parameter, a code percent-encoded.
    const form = await tokenWithBody(op.email, PASSWORD, `${FORM_TYPE}; charset=utf-8`, `grant_type=password&otp=${encodeURIComponent(totpNow(t, op.secret))}&scope=x`);
    expect(form.statusCode).toBe(200);
    expect(decodeJwt(form.json().access_token)).toMatchObject({ amr: ['pwd', 'otp'], acr: 'aal2' });
    // A recovery code as typed (spaces, upper case), in a form: "+" is a space there.
    const recovery = await tokenWithBody(op.email, PASSWORD, FORM_TYPE, `otp=${op.recoveryCodes[0].toUpperCase().replace('-', '+')}`);
    expect(recovery.statusCode).toBe(200);
    // Given twice in a form: the last one, as Starlette's form parser reads it.
    nextStep(t);
    const twice = await tokenWithBody(op.email, PASSWORD, FORM_TYPE, `otp=${wrongCode(t, op.secret)}&otp=${totpNow(t, op.secret)}`);
    expect(twice.statusCode).toBe(200);
    // A wrong code in the body is a wrong code; the wrong password is the usual answer.
    const wrong = await tokenWithBody(op.email, PASSWORD, JSON_TYPE, JSON.stringify({ otp: wrongCode(t, op.secret) }));
    expect([wrong.statusCode, wrong.body, wrong.headers['www-authenticate']]).toEqual([401, '{"detail":"Invalid authentication code"}', 'Basic']);
    const wrongPassword = await tokenWithBody(op.email, 'not the password', JSON_TYPE, JSON.stringify({ otp: totpNow(t, op.secret) }));
    expect([wrongPassword.statusCode, wrongPassword.body]).toEqual([401, '{"detail":"Invalid email or password"}']);
  });

  it('/auth/token: the X-OTP header wins over a body otp; an empty header leaves it to the body', async () => {
    const op = await enrolledOperator(t, 'rest-token-both@example.com');
    const right = JSON.stringify({ otp: totpNow(t, op.secret) });
    const headerWrong = await tokenWithBody(op.email, PASSWORD, JSON_TYPE, right, { 'x-otp': wrongCode(t, op.secret) });
    expect(headerWrong.body).toBe('{"detail":"Invalid authentication code"}');
    const headerRight = await tokenWithBody(op.email, PASSWORD, JSON_TYPE, JSON.stringify({ otp: wrongCode(t, op.secret) }), { 'x-otp': totpNow(t, op.secret) });
    expect(headerRight.statusCode).toBe(200);
    nextStep(t);
    const headerEmpty = await tokenWithBody(op.email, PASSWORD, JSON_TYPE, JSON.stringify({ otp: totpNow(t, op.secret) }), { 'x-otp': '' });
    expect(headerEmpty.statusCode).toBe(200);
  });

  /** Bodies /auth/token ignored before, and still does: never a 422, the code is none of them. */
  const IGNORED_BODIES = (code: string): Array<[string, string]> => [
    [JSON_TYPE, `{"otp": "${code}"`], // malformed JSON
    [JSON_TYPE, JSON.stringify([{ otp: code }])], // an array
    [JSON_TYPE, JSON.stringify(code)], // a string
    [JSON_TYPE, 'null'],
    [JSON_TYPE, `{"otp": ${code}}`], // a number: only a string is a code
    [JSON_TYPE, JSON.stringify({ otp: [code] })],
    [JSON_TYPE, JSON.stringify({ otp: { code } })],
    [JSON_TYPE, JSON.stringify({ otp: null, other: 1 })],
    [JSON_TYPE, JSON.stringify({ otp: `${code}\u0000` })], // NUL: no code of ours, and no 400 either
    ['text/plain', `otp=${code}`],
    ['multipart/form-data; boundary=b', `--b\r\ncontent-disposition: form-data; name="otp"\r\n\r\n${code}\r\n--b--\r\n`],
    [FORM_TYPE, `code=${code}`],
  ];

  it('/auth/token: any other body, field or value is ignored, as before: MFA required, never a 422', async () => {
    const op = await enrolledOperator(t, 'rest-token-ignored@example.com');
    for (const [contentType, payload] of IGNORED_BODIES(totpNow(t, op.secret))) {
      const res = await tokenWithBody(op.email, PASSWORD, contentType, payload);
      expect([contentType, payload, res.statusCode, res.body, res.headers['www-authenticate']]).toEqual([contentType, payload, 401, MFA_REQUIRED, 'Basic']);
    }
    // Nothing was used up: the code still signs in.
    expect((await tokenWithBody(op.email, PASSWORD, JSON_TYPE, JSON.stringify({ otp: totpNow(t, op.secret) }))).statusCode).toBe(200);
  });

  it('/auth/token for an account without a second factor: every body answers as before (200, aal1)', async () => {
    await registerOperator(t, 'plain-token@example.com');
    const bodies: Array<[string, string]> = [...IGNORED_BODIES('123456'), [JSON_TYPE, JSON.stringify({ otp: '123456' })], [FORM_TYPE, 'otp=123456']];
    for (const [contentType, payload] of bodies) {
      const res = await tokenWithBody('plain-token@example.com', PASSWORD, contentType, payload);
      expect([payload, res.statusCode, Object.keys(res.json())]).toEqual([payload, 200, ['access_token', 'email_verified', 'expires_in', 'refresh_token', 'token_type']]);
      expect(decodeJwt(res.json().access_token)).toMatchObject({ amr: ['pwd'], acr: 'aal1' });
    }
  });

  it('wrong codes over REST count toward the address lock too', async () => {
    const op = await enrolledOperator(t, 'rest-lock@example.com');
    for (let i = 0; i < 10; i += 1) expect((await post(t, '/auth/login', { email: op.email, password: PASSWORD, otp: wrongCode(t, op.secret) })).statusCode).toBe(401);
    const locked = await post(t, '/auth/login', { email: op.email, password: PASSWORD, otp: totpNow(t, op.secret) });
    expect([locked.statusCode, locked.body]).toEqual([429, '{"detail":"Too many requests"}']);
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(0);
  });

  it('the OpenAPI document shows the optional otp fields and the X-OTP header', async () => {
    const doc = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    const login = doc.paths['/auth/login'].post;
    expect(login.requestBody.content['application/json'].schema).toMatchObject({
      properties: { otp: { anyOf: [{ type: 'string', maxLength: 64 }, { type: 'null' }] } },
      required: ['email', 'password'],
    });
    expect(login.description).toContain('Multi-factor authentication required');
    const token = doc.paths['/auth/token'].post;
    expect(token.parameters).toEqual([{ name: 'X-OTP', in: 'header', required: false, description: expect.any(String), schema: { type: 'string' } }]);
    const loose = { type: 'object', properties: { otp: { type: 'string', description: expect.any(String) } } };
    expect(token.requestBody).toEqual({ required: false, content: { 'application/json': { schema: loose }, 'application/x-www-form-urlencoded': { schema: loose } } });
    expect(token.responses['422']).toBeUndefined();
  });
});
