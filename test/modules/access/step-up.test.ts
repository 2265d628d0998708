import { CREATE_API_KEY } from '../../../src/cli/operations';
import { buildGatewaySchema } from '../../../src/graphql/schema';
import { stepUpOperations } from '../../../src/modules/access/step-up';
import { startTestApp, type TestApp } from '../../helpers/app';
import { bearer, decodeJwt, graphql, verifiedOperator } from '../../helpers/auth';
import { SoftwareAuthenticator } from '../../helpers/authenticator';
import { activeCustomer, seedShop } from '../../helpers/customers';
import { engine } from '../../helpers/db';
import { enrolledOperator, nextStep, STEP_UP, totpNow, type EnrolledOperator } from '../../helpers/mfa';
import { asPlatform } from '../../helpers/seed';

type Result = Awaited<ReturnType<typeof graphql>>;
const codesOf = (result: Result) => (result.errors ?? []).map((error: { extensions: Record<string, unknown> }) => error.extensions.code);

/**
 * Issue 18, item 4: for an operator with a second factor, every sensitive operation needs a
 * session that proved it (acr aal2). Each one is tried with a password-level (aal1) session
 * of such an account, then again after `stepUp` in that session.
 */
describe(`step-up on sensitive operations (${engine})`, () => {
  let t: TestApp;
  let owner: EnrolledOperator;
  let instanceId: string;
  let keyId: string;
  let apiKey: string;

  // Every operation marked @RequiresStepUp, with arguments that reach it. What it answers at
  // aal2 does not matter here (its own tests check that), only that it is not STEP_UP_REQUIRED.
  const CASES: ReadonlyArray<readonly [string, string, () => Record<string, unknown>]> = [
    ['createApiKey', CREATE_API_KEY, () => ({ input: { tenantSlug: 'alpha', name: 'ci' } })],
    ['revokeApiKey', 'mutation($id: ID!) { revokeApiKey(id: $id) { id } }', () => ({ id: keyId })],
    ['setMember', 'mutation { setMember(input: { tenantSlug: "alpha", email: "helper@example.com", role: member }) { role } }', () => ({})],
    ['removeMember', 'mutation { removeMember(input: { tenantSlug: "alpha", email: "helper@example.com" }) }', () => ({})],
    ['updatePinPolicy', 'mutation($id: ID!) { updatePinPolicy(instanceId: $id, input: { pinSessionTtlMinutes: 15 }) { pinSessionTtlMinutes } }', () => ({ id: instanceId })],
    ['startTotpEnrollment', 'mutation { startTotpEnrollment { secret } }', () => ({})],
    ['confirmTotpEnrollment', 'mutation { confirmTotpEnrollment(code: "000000") { codes } }', () => ({})],
    ['regenerateRecoveryCodes', 'mutation { regenerateRecoveryCodes { codes } }', () => ({})],
    ['disableTotp', 'mutation { disableTotp(password: "not the password", code: "000000") }', () => ({})],
    ['startPasskeyRegistration', 'mutation { startPasskeyRegistration }', () => ({})],
    ['finishPasskeyRegistration', 'mutation { finishPasskeyRegistration(response: {}) }', () => ({})],
    ['removePasskey', 'mutation { removePasskey(id: "00000000-0000-4000-8000-000000000000") }', () => ({})],
    ['changeEmail', 'mutation { changeEmail(newEmail: "moved@example.com", password: "not the password") }', () => ({})],
    ['deleteAccount', 'mutation { deleteAccount(password: "not the password") }', () => ({})],
    ['changePassword', 'mutation { changePassword(currentPassword: "not the password", newPassword: "another good passphrase") }', () => ({})],
    ['createAdmin', 'mutation { createAdmin(input: { email: "second-admin@example.com", password: "another good passphrase" }) { id } }', () => ({})],
    ['promoteAdmin', 'mutation { promoteAdmin(input: { email: "helper@example.com" }) { id } }', () => ({})],
    ['createWebhook', 'mutation { createWebhook(input: { tenantSlug: "alpha", url: "https://93.184.215.14/hook", events: ["customer.verified"] }) { id } }', () => ({})],
    ['rotateWebhookSecret', 'mutation { rotateWebhookSecret(id: "00000000-0000-4000-8000-000000000000") { secret } }', () => ({})],
    ['deleteWebhook', 'mutation { deleteWebhook(id: "00000000-0000-4000-8000-000000000000") }', () => ({})],
    ['resetOperatorFactors', 'mutation { resetOperatorFactors(input: { email: "nobody@example.com" }) }', () => ({})],
  ];

  beforeAll(async () => {
    t = await startTestApp();
    await seedShop(t, 'alpha');
    owner = await enrolledOperator(t, 'owner@example.com');
    // A platform administrator too, so the platform operations reach the step-up rule.
    await t.db('users').where({ email_lower: 'owner@example.com' }).update({ is_admin: true });
    await verifiedOperator(t, 'helper@example.com');
    await asPlatform(t, 'mutation { setMember(input: { tenantSlug: "alpha", email: "owner@example.com", role: owner }) { role } }');
    await activeCustomer(t, 'alpha', 'customer@example.com');
    instanceId = (await t.db('instances').first('id')).id;
    const created = await asPlatform<{ createApiKey: { key: string; apiKey: { id: string } } }>(t, CREATE_API_KEY, { input: { tenantSlug: 'alpha', name: 'tenant' } });
    keyId = created.createApiKey.apiKey.id;
    apiKey = created.createApiKey.key;
  });
  afterAll(() => t.close());

  it('the cases cover exactly the operations marked @RequiresStepUp', () => {
    buildGatewaySchema();
    expect(CASES.map(([name]) => name).sort()).toEqual(stepUpOperations());
  });

  it.each(CASES.map(([name, document, variables]) => [name, document, variables] as const))('%s: STEP_UP_REQUIRED at aal1', async (_name, document, variables) => {
    expect(decodeJwt(owner.pair.access_token).acr).toBe('aal1');
    const result = await graphql(t, document, variables(), bearer(owner.pair.access_token));
    expect(codesOf(result)).toEqual(['STEP_UP_REQUIRED']);
    expect(result.errors?.[0].message).toMatch(/aal2/);
  });

  it('aliases change nothing: every copy is refused and nothing is created', async () => {
    const before = await t.db('api_keys').count({ n: '*' }).first();
    const result = await graphql(
      t,
      'mutation { a: createApiKey(input: { tenantSlug: "alpha", name: "a" }) { key } b: createApiKey(input: { tenantSlug: "alpha", name: "b" }) { key } }',
      {},
      bearer(owner.pair.access_token),
    );
    // The first refusal nulls the (non-null) answer, so the second copy never runs at all.
    expect(codesOf(result)).toEqual(['STEP_UP_REQUIRED']);
    expect(await t.db('api_keys').count({ n: '*' }).first()).toEqual(before);
  });

  it('the legacy REST endpoint answers 403 Step-up authentication required, and the policy is unchanged', async () => {
    const res = await t.app.inject({ method: 'PATCH', url: `/v1/instances/${instanceId}/pin-policy`, payload: { pin_session_ttl_minutes: 20 }, headers: bearer(owner.pair.access_token) });
    expect(res.statusCode).toBe(403);
    expect(res.body).toBe('{"detail":"Step-up authentication required"}');
    expect(await t.db('pin_policies').where({ instance_id: instanceId }).first('pin_session_ttl_minutes')).toBeUndefined();
  });

  it('an operator without a second factor, and an API key, are not asked to step up (legacy answers unchanged)', async () => {
    const plain = await verifiedOperator(t, 'plain@example.com');
    await asPlatform(t, 'mutation { setMember(input: { tenantSlug: "alpha", email: "plain@example.com", role: owner }) { role } }');
    const res = await t.app.inject({ method: 'PATCH', url: `/v1/instances/${instanceId}/pin-policy`, payload: { pin_session_ttl_minutes: 25 }, headers: bearer(plain.access_token) });
    expect(res.statusCode).toBe(200);
    const byKey = await t.app.inject({ method: 'PATCH', url: `/v1/instances/${instanceId}/pin-policy`, payload: { pin_session_ttl_minutes: 30 }, headers: { 'x-api-key': apiKey } });
    expect(byKey.statusCode).toBe(200);
  });

  it('after stepUp in the same session every operation runs', async () => {
    const stepped = await graphql(t, STEP_UP, { code: totpNow(t, owner.secret) }, bearer(owner.pair.access_token));
    const token: string = stepped.data?.stepUp.accessToken;
    expect(decodeJwt(token).acr).toBe('aal2');
    for (const [name, document, variables] of CASES) {
      const result = await graphql(t, document, variables(), bearer(token));
      expect([name, codesOf(result)]).not.toEqual([name, expect.arrayContaining(['STEP_UP_REQUIRED'])]);
    }
    const res = await t.app.inject({ method: 'PATCH', url: `/v1/instances/${instanceId}/pin-policy`, payload: { pin_session_ttl_minutes: 40 }, headers: bearer(token) });
    expect(res.statusCode).toBe(200);
    nextStep(t);
  });

  it('the proof ages: STEP_UP_MAX_AGE_MINUTES after the step-up, a refreshed aal2 token must step up again', async () => {
    const signedIn = await graphql(t, 'mutation($e: String!, $p: String!, $o: String) { login(input: { email: $e, password: $p, otp: $o }) { accessToken refreshToken } }', { e: owner.email, p: 'correct horse battery staple', o: totpNow(t, owner.secret) });
    expect(signedIn.errors).toBeUndefined();
    const { accessToken, refreshToken } = signedIn.data?.login ?? {};
    expect(decodeJwt(accessToken)).toMatchObject({ acr: 'aal2', auth_time: Math.floor(t.clock.now().getTime() / 1000) });
    const policy = 'mutation($id: ID!) { updatePinPolicy(instanceId: $id, input: { pinSessionTtlMinutes: 16 }) { pinSessionTtlMinutes } }';
    expect(codesOf(await graphql(t, policy, { id: instanceId }, bearer(accessToken)))).toEqual([]);

    t.clock.advance(t.config.auth.stepUpMaxAgeSeconds * 1000 + 60_000);
    const refreshed = await graphql(t, 'mutation($r: String!) { refresh(input: { refreshToken: $r }) { accessToken } }', { r: refreshToken });
    const later: string = refreshed.data?.refresh.accessToken;
    expect(decodeJwt(later)).toMatchObject({ acr: 'aal2', auth_time: decodeJwt(accessToken).auth_time }); // still aal2, proved long ago
    expect(codesOf(await graphql(t, policy, { id: instanceId }, bearer(later)))).toEqual(['STEP_UP_REQUIRED']);

    const again = await graphql(t, STEP_UP, { code: totpNow(t, owner.secret) }, bearer(later));
    const fresh: string = again.data?.stepUp.accessToken;
    expect(decodeJwt(fresh).auth_time).toBe(Math.floor(t.clock.now().getTime() / 1000));
    expect(codesOf(await graphql(t, policy, { id: instanceId }, bearer(fresh)))).toEqual([]);
    nextStep(t);
  });

  it('a passkey is a second factor too: its password session must step up, its passkey session need not', async () => {
    const pair = await verifiedOperator(t, 'keyholder@example.com');
    const authenticator = new SoftwareAuthenticator('https://id.hydracore.test');
    const options = (await graphql(t, 'mutation { startPasskeyRegistration }', {}, bearer(pair.access_token))).data?.startPasskeyRegistration;
    const added = await graphql(t, 'mutation($r: JSON!) { finishPasskeyRegistration(response: $r) }', { r: authenticator.create(options) }, bearer(pair.access_token));
    expect(added.data?.finishPasskeyRegistration).toBe(true);
    // The password session now belongs to an account with a passkey: adding another needs aal2.
    expect(codesOf(await graphql(t, 'mutation { startPasskeyRegistration }', {}, bearer(pair.access_token)))).toEqual(['STEP_UP_REQUIRED']);
    const loginOptions = (await graphql(t, 'mutation { startPasskeyLogin }')).data?.startPasskeyLogin;
    const signedIn = await graphql(t, 'mutation($r: JSON!) { finishPasskeyLogin(response: $r) { accessToken } }', { r: authenticator.get(loginOptions) });
    const passkeySession = signedIn.data?.finishPasskeyLogin.accessToken;
    expect(decodeJwt(passkeySession)).toMatchObject({ amr: ['webauthn'], acr: 'aal2' });
    expect(codesOf(await graphql(t, 'mutation { startPasskeyRegistration }', {}, bearer(passkeySession)))).toEqual([]);
  });
});
