import { startTestApp, type TestApp } from '../../helpers/app';
import { engine } from '../../helpers/db';
import { bearer, decodeJwt, graphql, lastCodeFor, mailCount, post, registerOperator, setCookies } from '../../helpers/auth';

describe(`email verification codes (${engine})`, () => {
  let t: TestApp;
  let n = 0;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  const newAddress = () => `v${(n += 1)}@example.com`;
  const verify = (email: string, code: string) => post(t, '/auth/verify-email', { code, email });
  const wrong = (code: string) => (code === '000000' ? '111111' : '000000');

  it('verifies with the mailed code and answers tokens with evf true and cookies', async () => {
    const email = newAddress();
    await registerOperator(t, email);
    const res = await verify(email.toUpperCase(), await lastCodeFor(t, email));
    expect(res.statusCode).toBe(200);
    expect(res.json().email_verified).toBe(true);
    expect(decodeJwt(res.json().access_token).evf).toBe(true);
    expect(setCookies(res)).toHaveLength(2);
    const me = await t.app.inject({ method: 'GET', url: '/auth/me', headers: bearer(res.json().access_token) });
    expect(me.json().email_verified).toBe(true);
  });

  it('a code works once', async () => {
    const email = newAddress();
    await registerOperator(t, email);
    const code = await lastCodeFor(t, email);
    expect((await verify(email, code)).statusCode).toBe(200);
    const again = await verify(email, code);
    expect(again.statusCode).toBe(400);
    expect(again.body).toBe('{"detail":"Invalid or expired code"}');
  });

  it('answers 400 for a wrong code and for an unknown address alike', async () => {
    const email = newAddress();
    await registerOperator(t, email);
    for (const res of [await verify(email, wrong(await lastCodeFor(t, email))), await verify('nobody@example.com', '123456')]) {
      expect(res.statusCode).toBe(400);
      expect(res.body).toBe('{"detail":"Invalid or expired code"}');
    }
  });

  it('expires after 10 minutes', async () => {
    const email = newAddress();
    await registerOperator(t, email);
    const code = await lastCodeFor(t, email);
    t.clock.advance(10 * 60_000 + 1);
    expect((await verify(email, code)).statusCode).toBe(400);
  });

  it('burns the code after 5 wrong tries: the right one is refused after', async () => {
    const email = newAddress();
    await registerOperator(t, email);
    const code = await lastCodeFor(t, email);
    for (let i = 0; i < 5; i += 1) expect((await verify(email, wrong(code))).statusCode).toBe(400);
    expect((await verify(email, code)).statusCode).toBe(400);
  });

  it('the 5th try may still be the right one', async () => {
    const email = newAddress();
    await registerOperator(t, email);
    const code = await lastCodeFor(t, email);
    for (let i = 0; i < 4; i += 1) await verify(email, wrong(code));
    expect((await verify(email, code)).statusCode).toBe(200);
  });

  it('50 parallel wrong tries count at most 5 and burn the code', async () => {
    const email = newAddress();
    await registerOperator(t, email);
    const code = await lastCodeFor(t, email);
    const results = await Promise.all(Array.from({ length: 50 }, () => verify(email, wrong(code))));
    expect(results.every((r) => r.statusCode === 400)).toBe(true);
    const row = await t.db('one_time_codes').where({ purpose: 'verify_email' }).orderBy('created_at', 'desc').orderBy('id', 'desc').first('attempts');
    expect(row.attempts).toBe(5);
    expect((await verify(email, code)).statusCode).toBe(400);
  });

  it('50 aliases in one GraphQL request are refused before any guess; 6 wrong tries still burn the code', async () => {
    const email = newAddress();
    await registerOperator(t, email);
    const code = await lastCodeFor(t, email);
    const aliases = Array.from({ length: 50 }, (_, i) => `a${i}: verifyEmail(input: { code: "${wrong(code)}", email: "${email}" }) { tokenType }`).join('\n');
    const result = await graphql(t, `mutation { ${aliases} }`);
    expect(result.data).toBeUndefined();
    expect(result.errors?.map((e) => e.extensions.code)).toContain('GRAPHQL_VALIDATION_FAILED');
    expect(result.errors?.map((e) => e.message).join('\n')).toMatch(/At most one credential check/);
    const row = () => t.db('one_time_codes').where({ purpose: 'verify_email' }).orderBy('created_at', 'desc').orderBy('id', 'desc').first('attempts');
    expect((await row()).attempts).toBe(0);
    for (let i = 0; i < 6; i += 1) {
      const single = await graphql(t, `mutation { verifyEmail(input: { code: "${wrong(code)}", email: "${email}" }) { tokenType } }`);
      expect(single.errors?.[0].extensions.code).toBe('INVALID_CODE');
    }
    expect((await row()).attempts).toBe(5);
    expect((await verify(email, code)).statusCode).toBe(400);
  });

  it('a new code invalidates the older one; within a minute no new code is sent', async () => {
    const email = newAddress();
    await registerOperator(t, email);
    const first = await lastCodeFor(t, email);
    const resend = () => post(t, '/auth/resend-verification', { email });
    const soon = await resend();
    expect(soon.statusCode).toBe(200);
    expect(soon.body).toBe('{"message":"If that email needs verification, a code has been sent"}');
    expect(await mailCount(t, email)).toBe(1); // silently throttled
    t.clock.advance(61_000);
    await resend();
    expect(await mailCount(t, email)).toBe(2);
    const second = await lastCodeFor(t, email);
    if (second !== first) expect((await verify(email, first)).statusCode).toBe(400);
    expect((await verify(email, second)).statusCode).toBe(200);
  });

  it('resend answers the same for unknown and verified addresses, and sends nothing to them', async () => {
    for (const email of ['ghost@example.com']) {
      const res = await post(t, '/auth/resend-verification', { email });
      expect(res.statusCode).toBe(200);
      expect(res.body).toBe('{"message":"If that email needs verification, a code has been sent"}');
      expect(await mailCount(t, email)).toBe(0);
    }
  });

  it('resend is limited per client IP: 429 with Retry-After', async () => {
    const limited = await startTestApp({ MAIL_REQUESTS_PER_IP: '3' });
    try {
      const send = () => post(limited, '/auth/resend-verification', { email: 'someone@example.com' });
      for (let i = 0; i < 3; i += 1) expect((await send()).statusCode).toBe(200);
      const res = await send();
      expect(res.statusCode).toBe(429);
      expect(res.body).toBe('{"detail":"Too many requests"}');
      expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    } finally {
      await limited.close();
    }
  });

  it('verifyEmail and resendVerification are GraphQL mutations', async () => {
    const email = newAddress();
    await registerOperator(t, email);
    const result = await graphql(t, 'mutation($i: VerifyEmailInput!) { verifyEmail(input: $i) { emailVerified } }', { i: { code: await lastCodeFor(t, email), email } });
    expect(result.data?.verifyEmail).toEqual({ emailVerified: true });
    const resend = await graphql(t, 'mutation { resendVerification(input: { email: "x@example.com" }) { message } }');
    expect(resend.data?.resendVerification.message).toBe('If that email needs verification, a code has been sent');
  });
});
