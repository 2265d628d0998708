import { startTestApp, type TestApp } from '../../helpers/app';
import { bearer, graphql, lastMailTo, PASSWORD, post, registerOperator, verifiedOperator, type Pair } from '../../helpers/auth';
import { engine } from '../../helpers/db';
import { sha256Hex } from '../../../src/lib/secrets';

const CHANGE = 'mutation($current: String!, $next: String!) { changePassword(currentPassword: $current, newPassword: $next) }';
const ME = '{ me { email } }';
const NEW_PASSWORD = 'another long passphrase';

/** Issue 18, item 6: an operator changes their own password; every other session ends. */
describe(`changePassword (${engine})`, () => {
  let t: TestApp;
  let n = 0;
  const newAddress = () => `pw${(n += 1)}@example.com`;
  const login = async (email: string, password = PASSWORD) => post(t, '/auth/login', { email, password });
  const change = (pair: Pair, current: string, next: string) => graphql(t, CHANGE, { current, next }, bearer(pair.access_token));
  const userId = async (email: string): Promise<string> => (await t.db('users').where({ email_lower: email }).first('id')).id;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('changes the password, ends every other session, keeps this one, and mails a notice', async () => {
    const email = newAddress();
    const other = await verifiedOperator(t, email);
    const current: Pair = (await login(email)).json();
    expect((await change(current, PASSWORD, NEW_PASSWORD)).data?.changePassword).toBe(true);

    // The other session is over: its access token and its refresh token.
    expect((await graphql(t, ME, {}, bearer(other.access_token))).errors?.[0].extensions.code).toBe('INVALID_TOKEN');
    expect((await post(t, '/auth/refresh', { refresh_token: other.refresh_token })).statusCode).toBe(401);
    // This one goes on, and refreshes.
    expect((await graphql(t, ME, {}, bearer(current.access_token))).data?.me.email).toBe(email);
    expect((await post(t, '/auth/refresh', { refresh_token: current.refresh_token })).statusCode).toBe(200);

    expect((await login(email)).statusCode).toBe(401);
    expect((await login(email, NEW_PASSWORD)).statusCode).toBe(200);
    const notice = await lastMailTo(t, email);
    expect(notice?.subject).toBe('Your HydraCore password was changed');
    expect(notice?.text).not.toContain(NEW_PASSWORD);
    const audit = await t.db('audit_events').where({ action: 'password.changed' }).first('actor_id', 'target_kind', 'target_id', 'details');
    expect(audit).toEqual({ actor_id: await userId(email), target_kind: 'user', target_id: await userId(email), details: null });
  });

  it('an operator whose address is not verified yet may change it too', async () => {
    const email = newAddress();
    const pair = await registerOperator(t, email);
    expect((await change(pair, PASSWORD, NEW_PASSWORD)).data?.changePassword).toBe(true);
  });

  it('a wrong current password is INVALID_CURRENT_PASSWORD and changes nothing', async () => {
    const email = newAddress();
    const pair = await verifiedOperator(t, email);
    const wrong = await change(pair, 'not the password', NEW_PASSWORD);
    expect(wrong.errors?.[0]).toMatchObject({ message: 'Invalid password', path: ['changePassword'], extensions: { code: 'INVALID_CURRENT_PASSWORD' } });
    expect((await login(email)).statusCode).toBe(200);
    expect((await graphql(t, ME, {}, bearer(pair.access_token))).data?.me.email).toBe(email);
  });

  it('the new password follows the register rules; every failing argument is reported at once, by its name', async () => {
    const email = newAddress();
    const pair = await verifiedOperator(t, email);
    const short = await change(pair, '', 'short');
    expect(short.errors?.[0].extensions).toEqual({
      code: 'BAD_USER_INPUT',
      detail: [
        { type: 'string_too_short', loc: ['currentPassword'], msg: 'String should have at least 1 character', input: '', ctx: { min_length: 1 } },
        { type: 'string_too_short', loc: ['newPassword'], msg: 'String should have at least 8 characters', input: 'short', ctx: { min_length: 8 } },
      ],
    });
    const common = await change(pair, PASSWORD, 'password123');
    expect(common.errors?.[0].extensions.detail).toEqual([{ type: 'value_error', loc: ['newPassword'], msg: 'Value error, This password is too common', input: 'password123', ctx: { error: {} } }]);
    const long = await change(pair, PASSWORD, 'x'.repeat(129));
    expect(long.errors?.[0].extensions.detail[0]).toMatchObject({ type: 'string_too_long', loc: ['newPassword'], ctx: { max_length: 128 } });
    expect((await login(email)).statusCode).toBe(200);
  });

  it('wrong current passwords count toward the login lock of the address', async () => {
    const email = newAddress();
    const pair = await verifiedOperator(t, email);
    for (let i = 0; i < 10; i += 1) expect((await change(pair, `guess-${i}`, NEW_PASSWORD)).errors?.[0].extensions.code).toBe('INVALID_CURRENT_PASSWORD');
    const locked = await login(email);
    expect(locked.statusCode).toBe(429);
    expect(locked.body).toBe('{"detail":"Too many requests"}');
    const eleventh = await change(pair, PASSWORD, NEW_PASSWORD);
    expect(eleventh.errors?.[0].extensions).toMatchObject({ code: 'RATE_LIMITED', retryAfter: expect.any(Number) });
    const failures = await t.db('audit_events').where({ action: 'login.failed', target_id: sha256Hex(email) }).count({ n: '*' }).first();
    expect(Number(failures?.n)).toBe(10);
    t.clock.advance(15 * 60_000 + 1000);
  });

  it('parallel guesses cannot check more than the lock allows', async () => {
    const email = newAddress();
    const pair = await verifiedOperator(t, email);
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => change(pair, `guess-${i}`, NEW_PASSWORD)));
    const codes = results.map((r) => r.errors?.[0].extensions.code);
    expect(codes.filter((c) => c === 'INVALID_CURRENT_PASSWORD')).toHaveLength(10);
    expect(codes.filter((c) => c === 'RATE_LIMITED')).toHaveLength(10);
    t.clock.advance(15 * 60_000 + 1000);
  });

  it('aliases cannot try several passwords in one request', async () => {
    const pair = await verifiedOperator(t, newAddress());
    const aliased = await graphql(t, 'mutation { a: changePassword(currentPassword: "g1", newPassword: "another long one") b: changePassword(currentPassword: "g2", newPassword: "another long one") }', {}, bearer(pair.access_token));
    expect(aliased.errors?.[0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
  });

  it('a reset link mailed before the change no longer works', async () => {
    const email = newAddress();
    const pair = await verifiedOperator(t, email);
    await post(t, '/auth/forgot-password', { email });
    const token = (await lastMailTo(t, email))?.text.match(/token=([\w-]+)/)?.[1];
    expect(token).toBeDefined();
    expect((await change(pair, PASSWORD, NEW_PASSWORD)).data?.changePassword).toBe(true);
    const reset = await post(t, '/auth/reset-password', { new_password: 'a third long passphrase', token });
    expect(reset.statusCode).toBe(400);
    expect((await login(email, NEW_PASSWORD)).statusCode).toBe(200);
  });

  it('needs a signed-in operator', async () => {
    const anonymous = await graphql(t, CHANGE, { current: PASSWORD, next: NEW_PASSWORD });
    expect(anonymous.errors?.[0].extensions.code).toBe('NOT_AUTHENTICATED');
  });
});
