import { startTestApp, type TestApp } from '../../helpers/app';
import { bearer, graphql, lastMailTo, mailCount, PASSWORD, verifiedOperator } from '../../helpers/auth';
import { SoftwareAuthenticator } from '../../helpers/authenticator';
import { engine } from '../../helpers/db';
import { CONFIRM_TOTP, nextStep, START_TOTP, STEP_UP, totpNow } from '../../helpers/mfa';

/**
 * Issue 18: the owner hears of every change to how the account signs in. The first factor
 * needs no step-up (there is nothing to step up with), so a stolen session could add its
 * own: the notice is how the owner finds out.
 */
describe(`security notices (${engine})`, () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('turning TOTP on, new recovery codes and turning it off each mail the account', async () => {
    const email = 'notices@example.com';
    const pair = await verifiedOperator(t, email);
    const before = await mailCount(t, email);
    const secret = (await graphql(t, START_TOTP, {}, bearer(pair.access_token))).data?.startTotpEnrollment.secret;
    expect(await mailCount(t, email)).toBe(before); // starting changes nothing yet
    await graphql(t, CONFIRM_TOTP, { code: totpNow(t, secret) }, bearer(pair.access_token));
    expect(await lastMailTo(t, email)).toMatchObject({ subject: 'Two-factor sign-in was turned on for your HydraCore account' });
    expect((await lastMailTo(t, email))?.text).toMatch(/If you did not do this/);

    nextStep(t);
    const stepped = (await graphql(t, STEP_UP, { code: totpNow(t, secret) }, bearer(pair.access_token))).data?.stepUp.accessToken;
    expect((await graphql(t, 'mutation { regenerateRecoveryCodes { codes } }', {}, bearer(stepped))).data?.regenerateRecoveryCodes.codes).toHaveLength(10);
    expect(await lastMailTo(t, email)).toMatchObject({ subject: 'New recovery codes were made for your HydraCore account' });

    nextStep(t);
    const off = await graphql(t, 'mutation($p: String!, $c: String!) { disableTotp(password: $p, code: $c) }', { p: PASSWORD, c: totpNow(t, secret) }, bearer(stepped));
    expect(off.data?.disableTotp).toBe(true);
    expect(await lastMailTo(t, email)).toMatchObject({ subject: 'Two-factor sign-in was turned off for your HydraCore account' });
    expect(await mailCount(t, email)).toBe(before + 3);
  });

  it('adding and removing a passkey each mail the account; a refused change mails nothing', async () => {
    const email = 'keys@example.com';
    const pair = await verifiedOperator(t, email);
    const before = await mailCount(t, email);
    const authenticator = new SoftwareAuthenticator('https://id.hydracore.test');
    const options = (await graphql(t, 'mutation { startPasskeyRegistration }', {}, bearer(pair.access_token))).data?.startPasskeyRegistration;
    const added = await graphql(t, 'mutation($r: JSON!) { finishPasskeyRegistration(response: $r) }', { r: authenticator.create(options) }, bearer(pair.access_token));
    expect(added.data?.finishPasskeyRegistration).toBe(true);
    expect(await lastMailTo(t, email)).toMatchObject({ subject: 'A passkey was added to your HydraCore account' });

    // The password session may not remove it (step-up), and nothing is mailed for that.
    const id = (await graphql(t, '{ myPasskeys { id } }', {}, bearer(pair.access_token))).data?.myPasskeys[0].id;
    expect((await graphql(t, 'mutation($id: ID!) { removePasskey(id: $id) }', { id }, bearer(pair.access_token))).errors?.[0].extensions.code).toBe('STEP_UP_REQUIRED');
    expect(await mailCount(t, email)).toBe(before + 1);

    const loginOptions = (await graphql(t, 'mutation { startPasskeyLogin }')).data?.startPasskeyLogin;
    const passkeySession = (await graphql(t, 'mutation($r: JSON!) { finishPasskeyLogin(response: $r) { accessToken } }', { r: authenticator.get(loginOptions) })).data?.finishPasskeyLogin.accessToken;
    expect((await graphql(t, 'mutation($id: ID!) { removePasskey(id: $id) }', { id }, bearer(passkeySession))).data?.removePasskey).toBe(true);
    expect(await lastMailTo(t, email)).toMatchObject({ subject: 'A passkey was removed from your HydraCore account' });
    expect(await mailCount(t, email)).toBe(before + 2);
  });
});
