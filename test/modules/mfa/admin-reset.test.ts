import { startTestApp, type TestApp } from '../../helpers/app';
import { bearer, graphql, lastMailTo, PASSWORD, post, verifiedOperator } from '../../helpers/auth';
import { SoftwareAuthenticator } from '../../helpers/authenticator';
import { engine } from '../../helpers/db';
import { enrolledOperator, LOGIN, steppedUp, totpNow } from '../../helpers/mfa';

const RESET = 'mutation($email: String!) { resetOperatorFactors(input: { email: $email }) }';
type Result = Awaited<ReturnType<typeof graphql>>;
const codeOf = (result: Result) => result.errors?.[0]?.extensions.code;

/**
 * The way back for an operator locked out of their second factors (lost, or bound by someone
 * holding a stolen session): a platform administrator removes them all and ends every session.
 */
describe(`resetOperatorFactors (${engine})`, () => {
  let t: TestApp;
  let admin: Record<string, string>;
  beforeAll(async () => {
    t = await startTestApp();
    admin = bearer((await verifiedOperator(t, 'root@example.com')).access_token);
    await t.db('users').where({ email_lower: 'root@example.com' }).update({ is_admin: true });
  });
  afterAll(() => t.close());

  it('removes TOTP, recovery codes and passkeys, ends every session, audits and mails the owner; the password alone signs in again', async () => {
    const op = await enrolledOperator(t, 'locked-out@example.com');
    const passkeyToken = await steppedUp(t, op.pair.access_token, totpNow(t, op.secret));
    const authenticator = new SoftwareAuthenticator('https://id.hydracore.test');
    const options = (await graphql(t, 'mutation { startPasskeyRegistration }', {}, bearer(passkeyToken))).data?.startPasskeyRegistration;
    expect((await graphql(t, 'mutation($r: JSON!) { finishPasskeyRegistration(response: $r) }', { r: authenticator.create(options) }, bearer(passkeyToken))).data?.finishPasskeyRegistration).toBe(true);
    expect(codeOf(await graphql(t, LOGIN, { email: op.email, password: PASSWORD }))).toBe('MFA_REQUIRED');

    expect((await graphql(t, RESET, { email: 'LOCKED-OUT@example.com' }, admin)).data?.resetOperatorFactors).toBe(true);

    for (const table of ['operator_totp', 'operator_recovery_codes', 'passkeys', 'mfa_challenges']) {
      expect(await t.db(table).where({ user_id: op.userId }).first()).toBeUndefined();
    }
    expect((await t.app.inject({ method: 'GET', url: '/auth/me', headers: bearer(passkeyToken) })).statusCode).toBe(401);
    const audit = await t.db('audit_events').where({ action: 'factors.reset', target_id: op.userId }).first('details');
    expect(typeof audit.details === 'string' ? JSON.parse(audit.details) : audit.details).toEqual({ totp: true, passkeys: 1 });
    expect(await lastMailTo(t, op.email)).toMatchObject({ subject: 'The second factors of your HydraCore account were removed' });
    const signedIn = await post(t, '/auth/login', { email: op.email, password: PASSWORD });
    expect(signedIn.statusCode).toBe(200);
  });

  it('is for platform administrators only; an unknown address is USER_NOT_FOUND', async () => {
    const plain = await verifiedOperator(t, 'not-admin@example.com');
    expect(codeOf(await graphql(t, RESET, { email: 'root@example.com' }, bearer(plain.access_token)))).toBe('FORBIDDEN');
    expect(codeOf(await graphql(t, RESET, { email: 'root@example.com' }))).toBe('NOT_AUTHENTICATED');
    expect(codeOf(await graphql(t, RESET, { email: 'nobody@example.com' }, admin))).toBe('USER_NOT_FOUND');
    // Refusals reset nothing (the one reset is the test above's).
    expect(Number((await t.db('audit_events').where({ action: 'factors.reset' }).count({ n: '*' }).first())?.n)).toBe(1);
  });
});
