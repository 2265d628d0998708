import { sha256Hex } from '../../../src/lib/secrets';
import { startTestApp, type TestApp } from '../../helpers/app';
import { bearer, decodeJwt, graphql, lastMailTo, PASSWORD, post } from '../../helpers/auth';
import { engine } from '../../helpers/db';
import { enrolledOperator, LOGIN, mfaTokenFor, nextStep, totpNow, VERIFY_MFA, wrongCode } from '../../helpers/mfa';

const codeOf = (res: { errors?: Array<{ extensions: Record<string, unknown> }> }) => res.errors?.[0]?.extensions.code;

/** Issue 18, item 3 (GraphQL): a correct password is not enough for an account with TOTP on. */
describe(`sign-in with a second factor over GraphQL (${engine})`, () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('login answers MFA_REQUIRED with an opaque mfaToken, stored only as its hash; a wrong password stays INVALID_CREDENTIALS', async () => {
    const op = await enrolledOperator(t, 'required@example.com');
    const res = await graphql(t, LOGIN, { email: op.email, password: PASSWORD });
    expect(res.data).toBeNull();
    expect(res.errors?.[0]).toMatchObject({
      message: 'Multi-factor authentication required: send a TOTP or recovery code to verifyMfa with extensions.mfaToken',
      path: ['login'],
      extensions: { code: 'MFA_REQUIRED', mfaToken: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/) },
    });
    const mfaToken = res.errors?.[0].extensions.mfaToken;
    const rows = await t.db('mfa_challenges').where({ user_id: op.userId }).select('token_hash');
    expect(rows).toEqual([{ token_hash: sha256Hex(mfaToken) }]);
    expect(JSON.stringify(await t.db('mfa_challenges').select())).not.toContain(mfaToken);

    const wrong = await graphql(t, LOGIN, { email: op.email, password: 'not the password' });
    expect(wrong.errors?.[0].extensions).toEqual({ code: 'INVALID_CREDENTIALS' });
    // `token` (HTTP Basic's operation) asks the same.
    const token = await graphql(t, 'mutation($i: TokenCredentialsInput!) { token(input: $i) { accessToken } }', { i: { email: op.email, password: PASSWORD } });
    expect(token.errors?.[0].extensions).toMatchObject({ code: 'MFA_REQUIRED', mfaToken: expect.any(String) });
  });

  it('verifyMfa with the TOTP code signs in at aal2 (amr pwd+otp), and refreshes keep it', async () => {
    const op = await enrolledOperator(t, 'verify@example.com');
    const mfaToken = await mfaTokenFor(t, op.email);
    const res = await graphql(t, VERIFY_MFA, { mfaToken, code: totpNow(t, op.secret) });
    const pair = res.data?.verifyMfa;
    expect(pair).toMatchObject({ emailVerified: true, expiresIn: 1800, tokenType: 'bearer' });
    expect(decodeJwt(pair.accessToken)).toMatchObject({ sub: op.userId, amr: ['pwd', 'otp'], acr: 'aal2' });
    const session = await t.db('sessions').where({ id: decodeJwt(pair.accessToken).sid }).first('amr', 'acr');
    expect(session).toEqual({ amr: 'pwd otp', acr: 'aal2' });
    const refreshed = (await post(t, '/auth/refresh', { refresh_token: pair.refreshToken })).json();
    expect(decodeJwt(refreshed.access_token)).toMatchObject({ amr: ['pwd', 'otp'], acr: 'aal2' });
    expect((await graphql(t, '{ me { email } }', {}, bearer(pair.accessToken))).data?.me.email).toBe(op.email);
    const actions = (await t.db('audit_events').where({ target_id: op.userId }).select('action')).map((row) => row.action);
    expect(actions).toContain('login.succeeded');
  });

  it('an mfaToken is single use', async () => {
    const op = await enrolledOperator(t, 'single-use@example.com');
    const mfaToken = await mfaTokenFor(t, op.email);
    expect((await graphql(t, VERIFY_MFA, { mfaToken, code: totpNow(t, op.secret) })).data?.verifyMfa.accessToken).toEqual(expect.any(String));
    nextStep(t);
    const again = await graphql(t, VERIFY_MFA, { mfaToken, code: totpNow(t, op.secret) });
    expect(again.errors?.[0]).toMatchObject({ message: 'Invalid or expired MFA token: sign in again', extensions: { code: 'INVALID_MFA_TOKEN' } });
    expect(codeOf(await graphql(t, VERIFY_MFA, { mfaToken: 'made-up', code: totpNow(t, op.secret) }))).toBe('INVALID_MFA_TOKEN');
    expect(codeOf(await graphql(t, VERIFY_MFA, { mfaToken: '', code: totpNow(t, op.secret) }))).toBe('INVALID_MFA_TOKEN');
  });

  it('a password reset ends sign-ins waiting for their second factor: an mfaToken won with the old password dies', async () => {
    const op = await enrolledOperator(t, 'reset-pending@example.com');
    const mfaToken = await mfaTokenFor(t, op.email);
    await post(t, '/auth/forgot-password', { email: op.email });
    const link = (await lastMailTo(t, op.email))?.text.match(/reset-password\?token=([A-Za-z0-9_-]{43})/)?.[1];
    expect((await post(t, '/auth/reset-password', { token: link, new_password: 'a brand new passphrase' })).statusCode).toBe(200);
    expect(codeOf(await graphql(t, VERIFY_MFA, { mfaToken, code: totpNow(t, op.secret) }))).toBe('INVALID_MFA_TOKEN');
  });

  it('an mfaToken expires after 5 minutes', async () => {
    const op = await enrolledOperator(t, 'expiry@example.com');
    const mfaToken = await mfaTokenFor(t, op.email);
    t.clock.advance(5 * 60_000 - 1000);
    const early = await mfaTokenFor(t, op.email);
    t.clock.advance(1000);
    expect(codeOf(await graphql(t, VERIFY_MFA, { mfaToken, code: totpNow(t, op.secret) }))).toBe('INVALID_MFA_TOKEN');
    expect((await graphql(t, VERIFY_MFA, { mfaToken: early, code: totpNow(t, op.secret) })).data?.verifyMfa.accessToken).toEqual(expect.any(String));
  });

  it('5 wrong codes burn an mfaToken: the right code is refused after them', async () => {
    const op = await enrolledOperator(t, 'five-tries@example.com');
    const mfaToken = await mfaTokenFor(t, op.email);
    for (let i = 0; i < 5; i += 1) expect(codeOf(await graphql(t, VERIFY_MFA, { mfaToken, code: wrongCode(t, op.secret) }))).toBe('INVALID_MFA_CODE');
    expect(codeOf(await graphql(t, VERIFY_MFA, { mfaToken, code: totpNow(t, op.secret) }))).toBe('INVALID_MFA_TOKEN');
    // The code itself was not used up: a new sign-in takes it.
    expect((await graphql(t, VERIFY_MFA, { mfaToken: await mfaTokenFor(t, op.email), code: totpNow(t, op.secret) })).data?.verifyMfa).toBeDefined();
  });

  it('20 parallel wrong tries on one mfaToken get 5 checks; the token is burned after them', async () => {
    const op = await enrolledOperator(t, 'parallel-tries@example.com');
    const mfaToken = await mfaTokenFor(t, op.email);
    const wrong = wrongCode(t, op.secret);
    const results = await Promise.all(Array.from({ length: 20 }, () => graphql(t, VERIFY_MFA, { mfaToken, code: wrong })));
    const codes = results.map(codeOf);
    expect(codes.filter((code) => code === 'INVALID_MFA_CODE')).toHaveLength(5);
    expect(codes.filter((code) => code === 'INVALID_MFA_TOKEN')).toHaveLength(15);
    expect(await t.db('mfa_challenges').where({ token_hash: sha256Hex(mfaToken) }).first('attempts')).toEqual({ attempts: 5 });
    expect(codeOf(await graphql(t, VERIFY_MFA, { mfaToken, code: totpNow(t, op.secret) }))).toBe('INVALID_MFA_TOKEN');
  });

  it('aliases cannot multiply tries: one verifyMfa per document (400 before anything runs)', async () => {
    const op = await enrolledOperator(t, 'aliases@example.com');
    const mfaToken = await mfaTokenFor(t, op.email);
    const fields = Array.from({ length: 10 }, (_, i) => `a${i}: verifyMfa(mfaToken: $m, code: "${String(i).padStart(6, '0')}") { accessToken }`).join(' ');
    const res = await t.app.inject({ method: 'POST', url: '/graphql', payload: { query: `mutation($m: String!) { ${fields} }`, variables: { m: mfaToken } } });
    expect(res.statusCode).toBe(400);
    expect(res.json().errors[0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(await t.db('mfa_challenges').where({ token_hash: sha256Hex(mfaToken) }).first('attempts')).toEqual({ attempts: 0 });
    // Nor can a login and a verifyMfa share one.
    const mixed = await t.app.inject({ method: 'POST', url: '/graphql', payload: { query: `mutation($m: String!) { login(input: { email: "x@example.com", password: "y" }) { accessToken } verifyMfa(mfaToken: $m, code: "123456") { accessToken } }`, variables: { m: mfaToken } } });
    expect(mixed.statusCode).toBe(400);
  });

  it('a TOTP code is accepted once per account, sequentially', async () => {
    const op = await enrolledOperator(t, 'replay@example.com');
    const code = totpNow(t, op.secret);
    expect((await graphql(t, VERIFY_MFA, { mfaToken: await mfaTokenFor(t, op.email), code })).data?.verifyMfa).toBeDefined();
    expect(codeOf(await graphql(t, VERIFY_MFA, { mfaToken: await mfaTokenFor(t, op.email), code }))).toBe('INVALID_MFA_CODE');
    expect(codeOf(await graphql(t, LOGIN, { email: op.email, password: PASSWORD, otp: code }))).toBe('INVALID_MFA_CODE');
    nextStep(t);
    expect((await graphql(t, VERIFY_MFA, { mfaToken: await mfaTokenFor(t, op.email), code: totpNow(t, op.secret) })).data?.verifyMfa).toBeDefined();
  });

  it('of 10 parallel sign-ins with one TOTP code (10 challenges) only one succeeds', async () => {
    // A fresh address: the 10 parallel checks reserve the whole login lock (10) at once.
    const op = await enrolledOperator(t, 'replay-parallel@example.com');
    const code = totpNow(t, op.secret);
    const tokens: string[] = [];
    for (let i = 0; i < 10; i += 1) tokens.push(await mfaTokenFor(t, op.email));
    const results = await Promise.all(tokens.map((mfaToken) => graphql(t, VERIFY_MFA, { mfaToken, code })));
    expect(results.filter((res) => res.data?.verifyMfa)).toHaveLength(1);
    expect(results.filter((res) => codeOf(res) === 'INVALID_MFA_CODE')).toHaveLength(9);
  });

  it('codes one step either side of now are accepted, two steps are not; never an earlier step than the last one used', async () => {
    const op = await enrolledOperator(t, 'drift@example.com');
    nextStep(t, 10);
    const verify = async (steps: number) => graphql(t, VERIFY_MFA, { mfaToken: await mfaTokenFor(t, op.email), code: totpNow(t, op.secret, steps) });
    expect(codeOf(await verify(-2))).toBe('INVALID_MFA_CODE');
    expect(codeOf(await verify(2))).toBe('INVALID_MFA_CODE');
    expect((await verify(-1)).data?.verifyMfa).toBeDefined();
    expect((await verify(0)).data?.verifyMfa).toBeDefined();
    expect((await verify(1)).data?.verifyMfa).toBeDefined();
    // The phone ran ahead once: the (older) current code is now refused until the clock passes it.
    expect(codeOf(await verify(0))).toBe('INVALID_MFA_CODE');
    nextStep(t, 2);
    expect((await verify(0)).data?.verifyMfa).toBeDefined();
  });

  it('a recovery code signs in once (any case, with or without its dash), and is then used up', async () => {
    const op = await enrolledOperator(t, 'recovery@example.com');
    const [first, second] = op.recoveryCodes;
    const res = await graphql(t, VERIFY_MFA, { mfaToken: await mfaTokenFor(t, op.email), code: ` ${first.toUpperCase()} ` });
    expect(decodeJwt(res.data?.verifyMfa.accessToken)).toMatchObject({ amr: ['pwd', 'otp'], acr: 'aal2' });
    expect(codeOf(await graphql(t, VERIFY_MFA, { mfaToken: await mfaTokenFor(t, op.email), code: first }))).toBe('INVALID_MFA_CODE');
    expect((await graphql(t, VERIFY_MFA, { mfaToken: await mfaTokenFor(t, op.email), code: second.replace('-', '') })).data?.verifyMfa).toBeDefined();
    const left = await graphql(t, '{ myMfa { recoveryCodesLeft } }', {}, bearer(op.pair.access_token));
    expect(left.data?.myMfa.recoveryCodesLeft).toBe(8);
    const used = await t.db('audit_events').where({ target_id: op.userId, action: 'recovery_code.used' }).count({ n: '*' });
    expect(Number(used[0].n)).toBe(2);

    // In parallel, with several challenges: one sign-in.
    const third = op.recoveryCodes[2];
    const tokens: string[] = [];
    for (let i = 0; i < 5; i += 1) tokens.push(await mfaTokenFor(t, op.email));
    const results = await Promise.all(tokens.map((mfaToken) => graphql(t, VERIFY_MFA, { mfaToken, code: third })));
    expect(results.filter((r) => r.data?.verifyMfa)).toHaveLength(1);
  });

  it('login may carry the code itself (otp): aal2 in one step; a wrong one is INVALID_MFA_CODE', async () => {
    const op = await enrolledOperator(t, 'one-step@example.com');
    const res = await graphql(t, LOGIN, { email: op.email, password: PASSWORD, otp: totpNow(t, op.secret) });
    expect(decodeJwt(res.data?.login.accessToken)).toMatchObject({ amr: ['pwd', 'otp'], acr: 'aal2' });
    const wrong = await graphql(t, LOGIN, { email: op.email, password: PASSWORD, otp: wrongCode(t, op.secret) });
    expect(wrong.errors?.[0]).toMatchObject({ message: 'Invalid authentication code', extensions: { code: 'INVALID_MFA_CODE' } });
    // An empty otp is no otp: MFA_REQUIRED.
    expect(codeOf(await graphql(t, LOGIN, { email: op.email, password: PASSWORD, otp: '' }))).toBe('MFA_REQUIRED');
  });

  it('wrong second factors count toward the address login lock: two burned mfaTokens (10 codes) lock the address', async () => {
    const op = await enrolledOperator(t, 'lock@example.com');
    for (let round = 0; round < 2; round += 1) {
      const mfaToken = await mfaTokenFor(t, op.email);
      for (let i = 0; i < 5; i += 1) expect(codeOf(await graphql(t, VERIFY_MFA, { mfaToken, code: wrongCode(t, op.secret) }))).toBe('INVALID_MFA_CODE');
    }
    // Even the right password is refused now, as after 10 wrong passwords.
    const locked = await graphql(t, LOGIN, { email: op.email, password: PASSWORD });
    expect(locked.errors?.[0].extensions).toMatchObject({ code: 'RATE_LIMITED', retryAfter: expect.any(Number) });
    const rest = await post(t, '/auth/login', { email: op.email, password: PASSWORD, otp: totpNow(t, op.secret) });
    expect(rest.statusCode).toBe(429);
    expect(rest.body).toBe('{"detail":"Too many requests"}');
    // Until the window passes.
    t.clock.advance(15 * 60_000);
    expect((await graphql(t, LOGIN, { email: op.email, password: PASSWORD, otp: totpNow(t, op.secret) })).data?.login).toBeDefined();
  });

  it('right codes give their reservation back: 12 sign-ins with the second factor do not lock the address', async () => {
    const op = await enrolledOperator(t, 'no-lock@example.com');
    for (let i = 0; i < 12; i += 1) {
      expect((await graphql(t, VERIFY_MFA, { mfaToken: await mfaTokenFor(t, op.email), code: totpNow(t, op.secret) })).data?.verifyMfa).toBeDefined();
      nextStep(t);
    }
  });
});
