import { startTestApp, type TestApp } from '../../helpers/app';
import { engine } from '../../helpers/db';
import { decodeJwt, graphql, lastMailTo, PASSWORD, post, registerOperator, setCookies } from '../../helpers/auth';

describe(`register, login and token (${engine})`, () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  describe('POST /auth/register', () => {
    it('creates an unverified operator, mails a code, and answers a token pair with cookies', async () => {
      const res = await post(t, '/auth/register', { email: 'Ada@Example.COM', password: PASSWORD });
      expect(res.statusCode).toBe(200);
      expect(Object.keys(res.json())).toEqual(['access_token', 'email_verified', 'expires_in', 'refresh_token', 'token_type']);
      const pair = res.json();
      expect(pair).toMatchObject({ email_verified: false, expires_in: 1800, token_type: 'bearer' });
      expect(pair.refresh_token).toMatch(/^[A-Za-z0-9_-]{43}$/); // 256 bits
      const claims = decodeJwt(pair.access_token);
      expect(claims).toMatchObject({ evf: false, typ: 'access', iss: 'https://id.hydracore.test', aud: 'hydracore' });
      expect((claims.exp as number) - (claims.iat as number)).toBe(1800);
      expect(typeof claims.jti).toBe('string');
      expect(setCookies(res)).toEqual([
        `access_token=${pair.access_token}; HttpOnly; Max-Age=1800; Path=/; SameSite=lax`,
        `refresh_token=${pair.refresh_token}; HttpOnly; Max-Age=2592000; Path=/auth; SameSite=lax`,
      ]);
      const mail = await lastMailTo(t, 'Ada@example.com');
      expect(mail?.subject).toBe('Your HydraCore verification code');
      expect(mail?.text).toMatch(/\b\d{6}\b/);
    });

    it('refuses a second account for the same address in any case: 409', async () => {
      const res = await post(t, '/auth/register', { email: 'ADA@example.com', password: PASSWORD });
      expect(res.statusCode).toBe(409);
      expect(res.body).toBe('{"detail":"Email already registered"}');
    });

    it('refuses a common password with the pydantic value error', async () => {
      const res = await post(t, '/auth/register', { email: 'bob@example.com', password: 'Password123' });
      expect(res.statusCode).toBe(422);
      expect(res.body).toBe(
        '{"detail":[{"type":"value_error","loc":["body","password"],"msg":"Value error, This password is too common","input":"Password123","ctx":{"error":{}}}]}',
      );
    });

    it('validates lengths before the common-password check', async () => {
      const res = await post(t, '/auth/register', { email: 'bob@example.com', password: 'qwerty' });
      expect(res.json().detail[0].type).toBe('string_too_short');
    });

    it('is a GraphQL mutation too', async () => {
      const result = await graphql(t, 'mutation($i: RegisterInput!) { register(input: $i) { emailVerified expiresIn tokenType } }', {
        i: { email: 'gql@example.com', password: PASSWORD },
      });
      expect(result.data?.register).toEqual({ emailVerified: false, expiresIn: 1800, tokenType: 'bearer' });
      const again = await graphql(t, 'mutation($i: RegisterInput!) { register(input: $i) { tokenType } }', {
        i: { email: 'GQL@example.com', password: PASSWORD },
      });
      expect(again.errors?.[0]).toMatchObject({ message: 'Email already registered', extensions: { code: 'EMAIL_TAKEN' } });
    });
  });

  it('marks cookies Secure when COOKIE_SECURE is on (the production default)', async () => {
    const secure = await startTestApp({ COOKIE_SECURE: 'true' });
    try {
      const res = await post(secure, '/auth/register', { email: 'secure@example.com', password: PASSWORD });
      const pair = res.json();
      expect(setCookies(res)).toEqual([
        `access_token=${pair.access_token}; HttpOnly; Max-Age=1800; Path=/; SameSite=lax; Secure`,
        `refresh_token=${pair.refresh_token}; HttpOnly; Max-Age=2592000; Path=/auth; SameSite=lax; Secure`,
      ]);
    } finally {
      await secure.close();
    }
  });

  describe('POST /auth/login', () => {
    beforeAll(async () => {
      await registerOperator(t, 'carol@example.com');
    });

    it('signs in with any case of the address and sets the cookies', async () => {
      const res = await post(t, '/auth/login', { email: 'CAROL@example.com', password: PASSWORD });
      expect(res.statusCode).toBe(200);
      expect(res.json().email_verified).toBe(false);
      expect(setCookies(res)).toHaveLength(2);
    });

    it('answers the same 401 for a wrong password and an unknown address', async () => {
      const wrong = await post(t, '/auth/login', { email: 'carol@example.com', password: 'not the password' });
      const unknown = await post(t, '/auth/login', { email: 'nobody@example.com', password: 'not the password' });
      for (const res of [wrong, unknown]) {
        expect(res.statusCode).toBe(401);
        expect(res.body).toBe('{"detail":"Invalid email or password"}');
        expect(res.headers['set-cookie']).toBeUndefined();
      }
    });

    it('locks an address after 10 failures in 15 minutes, known or not, even for the right password', async () => {
      for (const email of ['dave@example.com', 'ghost@example.com']) {
        if (email === 'dave@example.com') await registerOperator(t, email);
        for (let i = 0; i < 10; i += 1) expect((await post(t, '/auth/login', { email, password: 'wrong password' })).statusCode).toBe(401);
        const locked = await post(t, '/auth/login', { email, password: PASSWORD });
        expect(locked.statusCode).toBe(429);
        expect(locked.body).toBe('{"detail":"Too many requests"}');
        expect(Number(locked.headers['retry-after'])).toBeGreaterThan(0);
        expect(Number(locked.headers['retry-after'])).toBeLessThanOrEqual(900);
      }
      // Another spelling of the same address is the same address.
      expect((await post(t, '/auth/login', { email: 'DAVE@example.com', password: PASSWORD })).statusCode).toBe(429);
      t.clock.advance(15 * 60_000 + 1000);
      expect((await post(t, '/auth/login', { email: 'dave@example.com', password: PASSWORD })).statusCode).toBe(200);
    });

    it('is a GraphQL mutation with the same errors', async () => {
      const ok = await graphql(t, 'mutation($i: LoginInput!) { login(input: $i) { emailVerified } }', { i: { email: 'carol@example.com', password: PASSWORD } });
      expect(ok.data?.login).toEqual({ emailVerified: false });
      const bad = await graphql(t, 'mutation($i: LoginInput!) { login(input: $i) { emailVerified } }', { i: { email: 'carol@example.com', password: 'nope' } });
      expect(bad.errors?.[0]).toMatchObject({ message: 'Invalid email or password', extensions: { code: 'INVALID_CREDENTIALS' } });
    });
  });

  describe('POST /auth/token (HTTP Basic)', () => {
    const basic = (credentials: string) => ({ authorization: `Basic ${Buffer.from(credentials).toString('base64')}` });

    it('answers a token pair and never sets cookies', async () => {
      const res = await t.app.inject({ method: 'POST', url: '/auth/token', headers: basic(`carol@example.com:${PASSWORD}`) });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ token_type: 'bearer', expires_in: 1800 });
      expect(res.headers['set-cookie']).toBeUndefined();
    });

    it.each([
      ['no header', {}],
      ['another scheme', { authorization: 'Bearer abc' }],
      ['undecodable base64', { authorization: 'Basic %%%' }],
      ['no colon', { authorization: `Basic ${Buffer.from('carol').toString('base64')}` }],
    ])('answers 401 Not authenticated with WWW-Authenticate: Basic for %s', async (_name, headers) => {
      const res = await t.app.inject({ method: 'POST', url: '/auth/token', headers });
      expect(res.statusCode).toBe(401);
      expect(res.body).toBe('{"detail":"Not authenticated"}');
      expect(res.headers['www-authenticate']).toBe('Basic');
    });

    it('is the `token` mutation over GraphQL (credentials as arguments)', async () => {
      const ok = await graphql(t, 'mutation($i: TokenCredentialsInput!) { token(input: $i) { tokenType expiresIn } }', { i: { email: 'carol@example.com', password: PASSWORD } });
      expect(ok.data?.token).toEqual({ tokenType: 'bearer', expiresIn: 1800 });
      const bad = await graphql(t, 'mutation($i: TokenCredentialsInput!) { token(input: $i) { tokenType } }', { i: { email: 'carol@example.com', password: 'x' } });
      expect(bad.errors?.[0].extensions.code).toBe('INVALID_CREDENTIALS');
    });

    it('answers 401 Invalid email or password for wrong credentials', async () => {
      const res = await t.app.inject({ method: 'POST', url: '/auth/token', headers: basic('carol@example.com:wrong') });
      expect(res.statusCode).toBe(401);
      expect(res.body).toBe('{"detail":"Invalid email or password"}');
      expect(res.headers['www-authenticate']).toBe('Basic');
    });
  });
});
