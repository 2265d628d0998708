import { CREATE_API_KEY } from '../../../src/cli/operations';
import { sha256Hex } from '../../../src/lib/secrets';
import { hasSecondFactor } from '../../../src/modules/mfa/second-factor';
import { startTestApp, type TestApp } from '../../helpers/app';
import { bearer, graphql, PASSWORD, post, registerOperator, verifiedOperator } from '../../helpers/auth';
import { activeCustomer, seedShop } from '../../helpers/customers';
import { engine } from '../../helpers/db';
import { CONFIRM_TOTP, enrolledOperator, LOGIN, nextStep, START_TOTP, steppedUp, totpNow, wrongCode } from '../../helpers/mfa';
import { asPlatform } from '../../helpers/seed';

const REGENERATE = 'mutation { regenerateRecoveryCodes { codes } }';
const DISABLE = 'mutation($password: String!, $code: String!) { disableTotp(password: $password, code: $code) }';
const MY_MFA = '{ myMfa { totpEnabled recoveryCodesLeft } }';

const codeOf = (res: { errors?: Array<{ extensions: Record<string, unknown> }> }) => res.errors?.[0]?.extensions.code;

/** Issue 18, item 2: an operator adds a TOTP authenticator, gets recovery codes, and can turn it off. */
describe(`operator TOTP enrollment (${engine})`, () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  const auditActions = async (userId: string) => (await t.db('audit_events').where({ target_id: userId }).orderBy('created_at').select('action')).map((row) => row.action);

  it('starts with a base32 secret and an otpauth URI; the secret is stored sealed, never in clear', async () => {
    const pair = await verifiedOperator(t, 'Ada+Ops@example.com');
    const res = await graphql(t, START_TOTP, {}, bearer(pair.access_token));
    const { secret, otpauthUri } = res.data?.startTotpEnrollment;
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(otpauthUri).toBe(`otpauth://totp/HydraCore:Ada%2BOps%40example.com?secret=${secret}&issuer=HydraCore&algorithm=SHA1&digits=6&period=30`);
    const user = await t.db('users').where({ email_lower: 'ada+ops@example.com' }).first('id');
    const row = await t.db('operator_totp').where({ user_id: user.id }).first();
    expect(row.enabled_at).toBeNull();
    const stored = JSON.stringify(row);
    expect(stored).not.toContain(secret);
    expect(stored.toLowerCase()).not.toContain(secret.toLowerCase());
    expect(stored).not.toContain(Buffer.from(secret).toString('base64'));
    // Not enabled until confirmed: signing in still needs the password only.
    expect(await hasSecondFactor(t.db, user.id)).toBe(false);
    expect((await graphql(t, LOGIN, { email: 'ada+ops@example.com', password: PASSWORD })).data?.login.accessToken).toEqual(expect.any(String));
  });

  it('only a signed-in operator with a verified address may enrol; not a key, a customer or nobody', async () => {
    const unverified = await registerOperator(t, 'unverified@example.com');
    expect(codeOf(await graphql(t, START_TOTP, {}, bearer(unverified.access_token)))).toBe('EMAIL_NOT_VERIFIED');
    expect(codeOf(await graphql(t, START_TOTP))).toBe('NOT_AUTHENTICATED');
    await seedShop(t, 'enrol-shop');
    const customer = await activeCustomer(t, 'enrol-shop', 'customer@example.com');
    expect(codeOf(await graphql(t, START_TOTP, {}, bearer(customer.access_token)))).toBe('OPERATOR_TOKEN_REQUIRED');
    const key = (await asPlatform<{ createApiKey: { key: string } }>(t, CREATE_API_KEY, { input: { tenantSlug: 'enrol-shop', name: 'mfa' } })).createApiKey.key;
    for (const operation of [START_TOTP, REGENERATE, MY_MFA]) expect(codeOf(await graphql(t, operation, {}, { 'x-api-key': key }))).toBe('PERSON_TOKEN_REQUIRED');
    expect(codeOf(await graphql(t, CONFIRM_TOTP, { code: '123456' }, { 'x-api-key': key }))).toBe('PERSON_TOKEN_REQUIRED');
  });

  it('confirming needs a started enrollment and the current code; a wrong code is refused and audited', async () => {
    const pair = await verifiedOperator(t, 'confirm@example.com');
    const user = await t.db('users').where({ email_lower: 'confirm@example.com' }).first('id');
    expect(codeOf(await graphql(t, CONFIRM_TOTP, { code: '123456' }, bearer(pair.access_token)))).toBe('TOTP_ENROLLMENT_NOT_STARTED');
    const { secret } = (await graphql(t, START_TOTP, {}, bearer(pair.access_token))).data?.startTotpEnrollment;
    const refused = await graphql(t, CONFIRM_TOTP, { code: wrongCode(t, secret) }, bearer(pair.access_token));
    expect(refused.errors?.[0]).toMatchObject({ message: 'Invalid authentication code', extensions: { code: 'INVALID_MFA_CODE' } });
    // Two steps away is too far.
    expect(codeOf(await graphql(t, CONFIRM_TOTP, { code: totpNow(t, secret, -2) }, bearer(pair.access_token)))).toBe('INVALID_MFA_CODE');
    expect(codeOf(await graphql(t, CONFIRM_TOTP, { code: totpNow(t, secret, 2) }, bearer(pair.access_token)))).toBe('INVALID_MFA_CODE');

    const confirmed = await graphql(t, CONFIRM_TOTP, { code: totpNow(t, secret) }, bearer(pair.access_token));
    const codes: string[] = confirmed.data?.confirmTotpEnrollment.codes;
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    for (const code of codes) expect(code).toMatch(/^[a-z2-7]{5}-[a-z2-7]{5}$/);
    expect(await hasSecondFactor(t.db, user.id)).toBe(true);
    expect(await auditActions(user.id)).toEqual(expect.arrayContaining(['mfa.failed', 'totp.enabled']));
    expect((await graphql(t, MY_MFA, {}, bearer(pair.access_token))).data?.myMfa).toEqual({ totpEnabled: true, recoveryCodesLeft: 10 });

    // Recovery codes are stored keyed-hashed: neither the code nor its plain digest is in the table.
    const rows = await t.db('operator_recovery_codes').where({ user_id: user.id }).select('code_hash');
    const stored = JSON.stringify(rows);
    for (const code of codes) {
      expect(stored).not.toContain(code);
      expect(stored).not.toContain(code.replace('-', ''));
      expect(stored).not.toContain(sha256Hex(code));
      expect(stored).not.toContain(sha256Hex(code.replace('-', '')));
    }

    // Once on: no second enrollment, no second confirmation. The enrolling session proved the
    // email only (aal1): it steps up first (the next step's code; the confirming one is used).
    expect(codeOf(await graphql(t, START_TOTP, {}, bearer(pair.access_token)))).toBe('STEP_UP_REQUIRED');
    nextStep(t);
    const aal2 = await steppedUp(t, pair.access_token, totpNow(t, secret));
    expect(codeOf(await graphql(t, START_TOTP, {}, bearer(aal2)))).toBe('TOTP_ALREADY_ENABLED');
    expect(codeOf(await graphql(t, CONFIRM_TOTP, { code: totpNow(t, secret, 1) }, bearer(aal2)))).toBe('TOTP_ALREADY_ENABLED');
  });

  it('starting again before confirming replaces the pending secret', async () => {
    const pair = await verifiedOperator(t, 'restart@example.com');
    const first = (await graphql(t, START_TOTP, {}, bearer(pair.access_token))).data?.startTotpEnrollment.secret;
    const second = (await graphql(t, START_TOTP, {}, bearer(pair.access_token))).data?.startTotpEnrollment.secret;
    expect(second).not.toBe(first);
    expect(codeOf(await graphql(t, CONFIRM_TOTP, { code: totpNow(t, first) }, bearer(pair.access_token)))).toBe('INVALID_MFA_CODE');
    expect((await graphql(t, CONFIRM_TOTP, { code: totpNow(t, second) }, bearer(pair.access_token))).data?.confirmTotpEnrollment.codes).toHaveLength(10);
  });

  it('two confirmations at once with the right code: TOTP is turned on once, with one set of codes', async () => {
    const pair = await verifiedOperator(t, 'race-confirm@example.com');
    const { secret } = (await graphql(t, START_TOTP, {}, bearer(pair.access_token))).data?.startTotpEnrollment;
    const code = totpNow(t, secret);
    const results = await Promise.all(Array.from({ length: 5 }, () => graphql(t, CONFIRM_TOTP, { code }, bearer(pair.access_token))));
    const winners = results.filter((res) => res.data?.confirmTotpEnrollment);
    expect(winners).toHaveLength(1);
    const user = await t.db('users').where({ email_lower: 'race-confirm@example.com' }).first('id');
    expect(await t.db('operator_recovery_codes').where({ user_id: user.id }).count({ n: '*' })).toEqual([{ n: engine === 'postgres' ? '10' : 10 }]);
  });

  it('regenerating recovery codes replaces them all; it needs TOTP on', async () => {
    const pair = await verifiedOperator(t, 'no-totp@example.com');
    expect(codeOf(await graphql(t, REGENERATE, {}, bearer(pair.access_token)))).toBe('TOTP_NOT_ENABLED');
    expect((await graphql(t, MY_MFA, {}, bearer(pair.access_token))).data?.myMfa).toEqual({ totpEnabled: false, recoveryCodesLeft: 0 });

    const op = await enrolledOperator(t, 'regenerate@example.com');
    expect(codeOf(await graphql(t, REGENERATE, {}, bearer(op.pair.access_token)))).toBe('STEP_UP_REQUIRED');
    const aal2 = await steppedUp(t, op.pair.access_token, totpNow(t, op.secret));
    const fresh: string[] = (await graphql(t, REGENERATE, {}, bearer(aal2))).data?.regenerateRecoveryCodes.codes;
    expect(fresh).toHaveLength(10);
    expect(fresh.filter((code) => op.recoveryCodes.includes(code))).toEqual([]);
    expect(await auditActions(op.userId)).toContain('recovery_codes.regenerated');
    const oldCode = await graphql(t, LOGIN, { email: op.email, password: PASSWORD, otp: op.recoveryCodes[0] });
    expect(codeOf(oldCode)).toBe('INVALID_MFA_CODE');
    const newCode = await graphql(t, LOGIN, { email: op.email, password: PASSWORD, otp: fresh[0] });
    expect(newCode.data?.login.accessToken).toEqual(expect.any(String));
  });

  it('disabling needs the password and a code; it removes the secret and the codes, and sign-in is one step again', async () => {
    const op = await enrolledOperator(t, 'disable@example.com');
    // The enrolling session (aal1) cannot turn it off, even with both; it steps up first.
    expect(codeOf(await graphql(t, DISABLE, { password: PASSWORD, code: totpNow(t, op.secret) }, bearer(op.pair.access_token)))).toBe('STEP_UP_REQUIRED');
    expect(await hasSecondFactor(t.db, op.userId)).toBe(true);
    const token = bearer(await steppedUp(t, op.pair.access_token, totpNow(t, op.secret)));
    nextStep(t);
    const wrongPassword = await graphql(t, DISABLE, { password: 'not the password', code: totpNow(t, op.secret) }, token);
    expect(wrongPassword.errors?.[0]).toMatchObject({ message: 'Invalid password', extensions: { code: 'INVALID_CURRENT_PASSWORD' } });
    expect(codeOf(await graphql(t, DISABLE, { password: PASSWORD, code: wrongCode(t, op.secret) }, token))).toBe('INVALID_MFA_CODE');
    expect(await hasSecondFactor(t.db, op.userId)).toBe(true);

    expect((await graphql(t, DISABLE, { password: PASSWORD, code: totpNow(t, op.secret) }, token)).data?.disableTotp).toBe(true);
    expect(await hasSecondFactor(t.db, op.userId)).toBe(false);
    expect(await t.db('operator_totp').where({ user_id: op.userId }).first()).toBeUndefined();
    expect(await t.db('operator_recovery_codes').where({ user_id: op.userId }).first()).toBeUndefined();
    expect(await auditActions(op.userId)).toEqual(expect.arrayContaining(['mfa.failed', 'totp.disabled']));
    const res = await post(t, '/auth/login', { email: op.email, password: PASSWORD });
    expect(res.statusCode).toBe(200);
    expect(codeOf(await graphql(t, DISABLE, { password: PASSWORD, code: '123456' }, token))).toBe('TOTP_NOT_ENABLED');

    // A recovery code does too (for a lost phone: the step-up is another recovery code), and
    // can enrol anew afterwards (no factor left, so the email session needs no step-up).
    const lost = await enrolledOperator(t, 'lost-phone@example.com');
    const lostToken = await steppedUp(t, lost.pair.access_token, lost.recoveryCodes[0]);
    expect((await graphql(t, DISABLE, { password: PASSWORD, code: lost.recoveryCodes[3].toUpperCase() }, bearer(lostToken))).data?.disableTotp).toBe(true);
    expect((await graphql(t, START_TOTP, {}, bearer(lost.pair.access_token))).data?.startTotpEnrollment.secret).toEqual(expect.any(String));
  });

  it('a deleted account takes its factors with it (foreign keys ON DELETE CASCADE, enforced on both engines)', async () => {
    const op = await enrolledOperator(t, 'deleted@example.com');
    await graphql(t, LOGIN, { email: op.email, password: PASSWORD });
    expect(await t.db('mfa_challenges').where({ user_id: op.userId }).first()).toBeDefined();
    await t.db('sessions').where({ subject_id: op.userId }).delete();
    await t.db('users').where({ id: op.userId }).delete();
    for (const table of ['operator_totp', 'operator_recovery_codes', 'mfa_challenges']) expect(await t.db(table).where({ user_id: op.userId }).first()).toBeUndefined();
    // And a factor cannot be stored for nobody.
    const refused = await t.db('operator_totp')
      .insert({ user_id: op.userId, secret_sealed: 'x', created_at: new Date().toISOString() })
      .then(
        () => 'stored',
        (error: Error) => String(error.message),
      );
    expect(refused).toMatch(/foreign key/i);
    nextStep(t);
  });
});
