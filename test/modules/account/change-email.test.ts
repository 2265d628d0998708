import { startTestApp, type TestApp } from '../../helpers/app';
import { bearer, graphql, lastCodeFor, lastMailTo, mailCount, PASSWORD, post, registerOperator, verifiedOperator, type Pair } from '../../helpers/auth';
import { engine } from '../../helpers/db';

const CHANGE = 'mutation($email: String!, $password: String!) { changeEmail(newEmail: $email, password: $password) }';
const CONFIRM = 'mutation($code: String!) { confirmEmailChange(code: $code) }';
const ME = '{ me { email emailVerified } }';
const CHANGE_SUBJECT = 'Confirm your new HydraCore address';

/** Issue 18, item 6: an operator moves their account to a new address, proved by a mailed code. */
describe(`changeEmail and confirmEmailChange (${engine})`, () => {
  let t: TestApp;
  let n = 0;
  const newAddress = (prefix = 'mail') => `${prefix}${(n += 1)}@example.com`;
  const change = (pair: Pair, email: string, password = PASSWORD) => graphql(t, CHANGE, { email, password }, bearer(pair.access_token));
  const confirm = (pair: Pair, code: string) => graphql(t, CONFIRM, { code }, bearer(pair.access_token));
  const me = async (pair: Pair) => (await graphql(t, ME, {}, bearer(pair.access_token))).data?.me;
  const wrong = (code: string) => String((Number(code) + 1) % 1_000_000).padStart(6, '0');
  const login = (email: string) => post(t, '/auth/login', { email, password: PASSWORD });
  const errorCode = (result: { errors?: Array<{ extensions: Record<string, unknown> }> }) => result.errors?.[0].extensions.code;
  const changeCodeRow = () => t.db('one_time_codes').where({ purpose: 'change_email' }).orderBy('created_at', 'desc').orderBy('id', 'desc').first('attempts');

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('mails a code to the new address; confirming switches the address, keeps it verified, and tells the old one', async () => {
    const old = newAddress('old');
    const next = newAddress('New');
    const pair = await verifiedOperator(t, old);
    expect((await change(pair, next)).data?.changeEmail).toBe(true);
    // Nothing changes before the code comes back.
    expect(await me(pair)).toEqual({ email: old, emailVerified: true });
    const mail = await lastMailTo(t, next);
    expect(mail?.subject).toBe(CHANGE_SUBJECT);
    expect(mail?.text).toContain('It expires in 10 minutes');

    expect((await confirm(pair, await lastCodeFor(t, next))).data?.confirmEmailChange).toBe(true);
    expect(await me(pair)).toEqual({ email: next, emailVerified: true });
    expect((await login(next.toLowerCase())).statusCode).toBe(200);
    expect((await login(old)).statusCode).toBe(401);

    const notice = await lastMailTo(t, old);
    expect(notice?.subject).toBe('Your HydraCore address was changed');
    // The old mailbox learns that it stopped receiving the account's mail, not where it went.
    expect(notice?.text).not.toContain(next);
    expect(notice?.text).not.toContain(next.toLowerCase());

    const userId = (await t.db('users').where({ email_lower: next.toLowerCase() }).first('id')).id;
    const audit = await t.db('audit_events').where({ action: 'email.changed' }).first('actor_id', 'target_kind', 'target_id', 'details');
    expect(audit).toEqual({ actor_id: userId, target_kind: 'user', target_id: userId, details: null });
    // No audit row names either address.
    const rows: Array<Record<string, unknown>> = await t.db('audit_events').select();
    const text = JSON.stringify(rows).toLowerCase();
    expect(text).not.toContain(old);
    expect(text).not.toContain(next.toLowerCase());
  });

  it('the code is single use', async () => {
    const pair = await verifiedOperator(t, newAddress());
    const next = newAddress();
    await change(pair, next);
    const code = await lastCodeFor(t, next);
    expect((await confirm(pair, code)).data?.confirmEmailChange).toBe(true);
    expect(errorCode(await confirm(pair, code))).toBe('INVALID_CODE');
  });

  it('a wrong password is INVALID_CURRENT_PASSWORD, sends nothing, and counts toward the login lock', async () => {
    const email = newAddress();
    const pair = await verifiedOperator(t, email);
    const next = newAddress();
    for (let i = 0; i < 10; i += 1) {
      const wrongPassword = await change(pair, next, `guess-${i}`);
      expect(wrongPassword.errors?.[0]).toMatchObject({ message: 'Invalid password', extensions: { code: 'INVALID_CURRENT_PASSWORD' } });
    }
    expect(await mailCount(t, next)).toBe(0);
    expect((await login(email)).statusCode).toBe(429);
    expect(errorCode(await change(pair, next))).toBe('RATE_LIMITED');
    t.clock.advance(15 * 60_000 + 1000);
  });

  it('refuses an address another account has (any case), and the account\'s own address', async () => {
    const taken = newAddress();
    await registerOperator(t, taken);
    const email = newAddress();
    const pair = await verifiedOperator(t, email);
    expect((await change(pair, taken.toUpperCase().replace('@EXAMPLE.COM', '@example.com'))).errors?.[0]).toMatchObject({ message: 'Email already registered', extensions: { code: 'EMAIL_TAKEN' } });
    expect((await change(pair, email)).errors?.[0]).toMatchObject({ message: 'This is already the address of the account', extensions: { code: 'EMAIL_UNCHANGED' } });
    expect(await mailCount(t, taken)).toBe(1); // its own verification code only
  });

  it('validates the address like registration (loc is the argument)', async () => {
    const pair = await verifiedOperator(t, newAddress());
    const invalid = await change(pair, 'not-an-address', '');
    expect(invalid.errors?.[0].extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      detail: [
        { type: 'value_error', loc: ['newEmail'], msg: 'value is not a valid email address: An email address must have an @-sign.' },
        { type: 'string_too_short', loc: ['password'] },
      ],
    });
    const code = await confirm(pair, '12345');
    expect(code.errors?.[0].extensions.detail).toEqual([{ type: 'string_too_short', loc: ['code'], msg: 'String should have at least 6 characters', input: '12345', ctx: { min_length: 6 } }]);
  });

  it('one request a minute: the same address again sends nothing new, another one waits', async () => {
    const pair = await verifiedOperator(t, newAddress());
    const first = newAddress();
    const second = newAddress();
    expect((await change(pair, first)).data?.changeEmail).toBe(true);
    expect((await change(pair, first)).data?.changeEmail).toBe(true);
    expect(await mailCount(t, first)).toBe(1);
    t.clock.advance(20_000);
    const tooSoon = await change(pair, second);
    expect(tooSoon.errors?.[0].extensions).toEqual({ code: 'RATE_LIMITED', retryAfter: 40 });
    expect(await mailCount(t, second)).toBe(0);

    // A minute on, the new request replaces the pending one: the first address's code no longer confirms.
    t.clock.advance(41_000);
    const firstCode = await lastCodeFor(t, first);
    expect((await change(pair, second)).data?.changeEmail).toBe(true);
    expect(errorCode(await confirm(pair, firstCode))).toBe('INVALID_CODE');
    expect((await confirm(pair, await lastCodeFor(t, second))).data?.confirmEmailChange).toBe(true);
    expect((await me(pair)).email).toBe(second);
  });

  it('parallel requests for different addresses mail one code', async () => {
    const pair = await verifiedOperator(t, newAddress());
    const targets = Array.from({ length: 6 }, () => newAddress('race'));
    const results = await Promise.all(targets.map((email) => change(pair, email)));
    expect(results.filter((r) => r.data?.changeEmail === true)).toHaveLength(1);
    expect(results.filter((r) => errorCode(r) === 'RATE_LIMITED')).toHaveLength(5);
    const mailed = await Promise.all(targets.map((email) => mailCount(t, email)));
    expect(mailed.reduce((a, b) => a + b, 0)).toBe(1);
    t.clock.advance(61_000);
  });

  it('5 wrong tries burn the code, even sent in parallel', async () => {
    const pair = await verifiedOperator(t, newAddress());
    const next = newAddress();
    await change(pair, next);
    const code = await lastCodeFor(t, next);
    const results = await Promise.all(Array.from({ length: 20 }, () => confirm(pair, wrong(code))));
    expect(results.every((r) => errorCode(r) === 'INVALID_CODE')).toBe(true);
    expect((await changeCodeRow()).attempts).toBe(5);
    expect(errorCode(await confirm(pair, code))).toBe('INVALID_CODE');
    expect((await me(pair)).email).not.toBe(next);
    t.clock.advance(61_000);
  });

  it('the 5th try may still be the right one; aliases are refused before any try', async () => {
    const pair = await verifiedOperator(t, newAddress());
    const next = newAddress();
    await change(pair, next);
    const code = await lastCodeFor(t, next);
    const aliases = Array.from({ length: 10 }, (_, i) => `a${i}: confirmEmailChange(code: "${wrong(code)}")`).join('\n');
    const aliased = await graphql(t, `mutation { ${aliases} }`, {}, bearer(pair.access_token));
    expect(errorCode(aliased)).toBe('GRAPHQL_VALIDATION_FAILED');
    expect((await changeCodeRow()).attempts).toBe(0);
    for (let i = 0; i < 4; i += 1) expect(errorCode(await confirm(pair, wrong(code)))).toBe('INVALID_CODE');
    expect((await confirm(pair, code)).data?.confirmEmailChange).toBe(true);
    t.clock.advance(61_000);
  });

  it('without a pending change, or after 10 minutes, any code is INVALID_CODE', async () => {
    const pair = await verifiedOperator(t, newAddress());
    expect(errorCode(await confirm(pair, '123456'))).toBe('INVALID_CODE');
    const next = newAddress();
    await change(pair, next);
    const code = await lastCodeFor(t, next);
    t.clock.advance(10 * 60_000 + 1000);
    expect(errorCode(await confirm(pair, code))).toBe('INVALID_CODE');
  });

  it('the code of one account does not confirm another\'s change', async () => {
    const a = await verifiedOperator(t, newAddress());
    const b = await verifiedOperator(t, newAddress());
    const next = newAddress();
    await change(a, next);
    expect(errorCode(await confirm(b, await lastCodeFor(t, next)))).toBe('INVALID_CODE');
  });

  it('an address taken after the code was sent is EMAIL_TAKEN at confirmation', async () => {
    const email = newAddress();
    const pair = await verifiedOperator(t, email);
    const next = newAddress();
    await change(pair, next);
    const code = await lastCodeFor(t, next);
    await registerOperator(t, next);
    expect((await confirm(pair, code)).errors?.[0]).toMatchObject({ path: ['confirmEmailChange'], extensions: { code: 'EMAIL_TAKEN' } });
    expect((await me(pair)).email).toBe(email);
    expect(await t.db('email_changes').count({ n: '*' }).where('user_id', (await t.db('users').where({ email_lower: email }).first('id')).id).first()).toMatchObject({ n: engine === 'postgres' ? '0' : 0 });
  });

  it('an unverified account becomes verified at the new address; the unproved old one gets no notice', async () => {
    const old = newAddress();
    const pair = await registerOperator(t, old);
    const next = newAddress();
    expect((await change(pair, next)).data?.changeEmail).toBe(true);
    expect((await confirm(pair, await lastCodeFor(t, next))).data?.confirmEmailChange).toBe(true);
    expect(await me(pair)).toEqual({ email: next, emailVerified: true });
    expect((await lastMailTo(t, old))?.subject).toBe('Your HydraCore verification code');
  });

  it('reset links and verification codes mailed to the old address stop working', async () => {
    const old = newAddress();
    const pair = await verifiedOperator(t, old);
    await post(t, '/auth/forgot-password', { email: old });
    const token = (await lastMailTo(t, old))?.text.match(/token=([\w-]+)/)?.[1];
    const next = newAddress();
    await change(pair, next);
    await confirm(pair, await lastCodeFor(t, next));
    expect((await post(t, '/auth/reset-password', { new_password: 'a brand new passphrase', token })).statusCode).toBe(400);
    expect((await login(next)).statusCode).toBe(200);
  });

  it('needs a signed-in operator', async () => {
    expect(errorCode(await graphql(t, CHANGE, { email: newAddress(), password: PASSWORD }))).toBe('NOT_AUTHENTICATED');
    expect(errorCode(await graphql(t, CONFIRM, { code: '123456' }))).toBe('NOT_AUTHENTICATED');
  });
});
