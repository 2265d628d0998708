import { startTestApp, type TestApp } from '../../helpers/app';
import { engine } from '../../helpers/db';
import { bearer, graphql, lastMailTo, mailCount, PASSWORD, post, registerOperator } from '../../helpers/auth';

describe(`forgot and reset password (${engine})`, () => {
  let t: TestApp;
  let n = 0;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  const FORGOT = '{"message":"If that email is registered, a reset link has been sent"}';
  const newAddress = () => `r${(n += 1)}@example.com`;
  const resetLinkToken = async (email: string) => {
    const mail = await lastMailTo(t, email);
    const match = mail?.text.match(/https:\/\/id\.hydracore\.test\/reset-password\?token=([A-Za-z0-9_-]{43})/);
    if (!match) throw new Error(`no reset link in ${JSON.stringify(mail)}`);
    return match[1];
  };

  it('mails a reset link for a known address and answers the same for an unknown one', async () => {
    const email = newAddress();
    await registerOperator(t, email);
    const known = await post(t, '/auth/forgot-password', { email });
    const unknown = await post(t, '/auth/forgot-password', { email: 'nobody@example.com' });
    for (const res of [known, unknown]) {
      expect(res.statusCode).toBe(200);
      expect(res.body).toBe(FORGOT);
    }
    expect(await resetLinkToken(email)).toHaveLength(43);
    expect(await mailCount(t, 'nobody@example.com')).toBe(0);
  });

  it('resets the password once, ends every session, and the new password works', async () => {
    const email = newAddress();
    const session = await registerOperator(t, email);
    await post(t, '/auth/forgot-password', { email });
    const token = await resetLinkToken(email);
    const res = await post(t, '/auth/reset-password', { new_password: 'a brand new passphrase', token });
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe('{"message":"Password has been reset"}');

    const again = await post(t, '/auth/reset-password', { new_password: 'another new passphrase', token });
    expect(again.statusCode).toBe(400);
    expect(again.body).toBe('{"detail":"Invalid or expired token"}');

    expect((await post(t, '/auth/refresh', { refresh_token: session.refresh_token })).statusCode).toBe(401);
    expect((await t.app.inject({ method: 'GET', url: '/auth/me', headers: bearer(session.access_token) })).statusCode).toBe(401);
    expect((await post(t, '/auth/login', { email, password: PASSWORD })).statusCode).toBe(401);
    expect((await post(t, '/auth/login', { email, password: 'a brand new passphrase' })).statusCode).toBe(200);
  });

  it('a link expires after 30 minutes', async () => {
    const email = newAddress();
    await registerOperator(t, email);
    await post(t, '/auth/forgot-password', { email });
    const token = await resetLinkToken(email);
    t.clock.advance(30 * 60_000 + 1);
    expect((await post(t, '/auth/reset-password', { new_password: 'a brand new passphrase', token })).statusCode).toBe(400);
  });

  it('refuses unknown tokens and common passwords', async () => {
    expect((await post(t, '/auth/reset-password', { new_password: 'a brand new passphrase', token: 'x' })).body).toBe('{"detail":"Invalid or expired token"}');
    const weak = await post(t, '/auth/reset-password', { new_password: 'iloveyou', token: 'x' });
    expect(weak.statusCode).toBe(422);
    expect(weak.json().detail[0]).toMatchObject({ type: 'value_error', loc: ['body', 'new_password'], msg: 'Value error, This password is too common' });
  });

  it('two concurrent resets with one token: exactly one wins', async () => {
    const email = newAddress();
    await registerOperator(t, email);
    await post(t, '/auth/forgot-password', { email });
    const token = await resetLinkToken(email);
    const results = await Promise.all(['first new passphrase', 'second new passphrase'].map((p) => post(t, '/auth/reset-password', { new_password: p, token })));
    expect(results.map((r) => r.statusCode).sort()).toEqual([200, 400]);
  });

  it('one link a minute per address, silently', async () => {
    const email = newAddress();
    await registerOperator(t, email);
    const before = await mailCount(t, email);
    await post(t, '/auth/forgot-password', { email });
    await post(t, '/auth/forgot-password', { email });
    expect(await mailCount(t, email)).toBe(before + 1);
  });

  it('forgotPassword and resetPassword are GraphQL mutations', async () => {
    const result = await graphql(t, 'mutation { forgotPassword(input: { email: "nobody@example.com" }) { message } }');
    expect(result.data?.forgotPassword.message).toBe('If that email is registered, a reset link has been sent');
    const reset = await graphql(t, 'mutation { resetPassword(input: { newPassword: "a brand new passphrase", token: "x" }) { message } }');
    expect(reset.errors?.[0]).toMatchObject({ message: 'Invalid or expired token', extensions: { code: 'INVALID_RESET_TOKEN' } });
  });
});
