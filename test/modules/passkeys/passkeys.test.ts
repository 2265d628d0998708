import { CREATE_API_KEY } from '../../../src/cli/operations';
import { hasPasskey } from '../../../src/modules/passkeys/passkeys';
import { startTestApp, type TestApp } from '../../helpers/app';
import { bearer, decodeJwt, graphql, post, registerOperator, verifiedOperator } from '../../helpers/auth';
import { SoftwareAuthenticator } from '../../helpers/authenticator';
import { activeCustomer, seedShop } from '../../helpers/customers';
import { engine } from '../../helpers/db';
import { asPlatform } from '../../helpers/seed';

/**
 * Passkeys (issue 18, item 5) through /graphql, with a software authenticator that builds
 * every byte a browser and an authenticator would (test/helpers/authenticator.ts).
 *
 * The gateway runs as id.hydracore.test with the frontend on app.hydracore.test and an admin
 * app on admin.hydracore.test, so the RP ID is their shared parent domain.
 */
const GATEWAY = 'https://id.hydracore.test';
const SITE = 'https://app.hydracore.test';
const ADMIN_APP = 'https://admin.hydracore.test';
const ENV = { PUBLIC_URL: GATEWAY, SITE_URL: SITE, CORS_ORIGINS: ADMIN_APP, WEBAUTHN_RP_ID: 'hydracore.test' };

const START_REGISTRATION = 'mutation { startPasskeyRegistration }';
const FINISH_REGISTRATION = 'mutation($response: JSON!, $name: String) { finishPasskeyRegistration(response: $response, name: $name) }';
const START_LOGIN = 'mutation($email: String) { startPasskeyLogin(email: $email) }';
const FINISH_LOGIN = 'mutation($response: JSON!) { finishPasskeyLogin(response: $response) { accessToken refreshToken emailVerified tokenType } }';
const MY_PASSKEYS = '{ myPasskeys { id name createdAt lastUsedAt backedUp deviceType transports } }';
const REMOVE = 'mutation($id: ID!) { removePasskey(id: $id) }';

type Result = Awaited<ReturnType<typeof graphql>>;
const codeOf = (result: Result) => result.errors?.[0]?.extensions.code;

async function registrationOptions(t: TestApp, token: string): Promise<any> {
  const started = await graphql(t, START_REGISTRATION, {}, bearer(token));
  if (!started.data) throw new Error(JSON.stringify(started.errors));
  return started.data.startPasskeyRegistration;
}

async function loginOptions(t: TestApp, email?: string): Promise<any> {
  const started = await graphql(t, START_LOGIN, email === undefined ? {} : { email });
  if (!started.data) throw new Error(JSON.stringify(started.errors));
  return started.data.startPasskeyLogin;
}

/** Registers a passkey on the authenticator for the operator; the mutation's result. */
async function addPasskey(t: TestApp, token: string, authenticator: SoftwareAuthenticator, name?: string, overrides = {}): Promise<Result> {
  const response = authenticator.create(await registrationOptions(t, token), overrides);
  return graphql(t, FINISH_REGISTRATION, { response, name }, bearer(token));
}

async function signIn(t: TestApp, authenticator: SoftwareAuthenticator, overrides = {}, email?: string): Promise<Result> {
  return graphql(t, FINISH_LOGIN, { response: authenticator.get(await loginOptions(t, email), overrides) });
}

/**
 * What a client does before changing the passkeys of an account that has one (step-up, issue
 * 18 item 4): signs in with a passkey (aal2). The access token of that session.
 */
async function passkeySession(t: TestApp, authenticator: SoftwareAuthenticator, overrides = {}, email?: string): Promise<string> {
  const signedIn = await signIn(t, authenticator, overrides, email);
  const token: string | undefined = signedIn.data?.finishPasskeyLogin.accessToken;
  if (!token || decodeJwt(token).acr !== 'aal2') throw new Error(`passkey sign-in failed: ${JSON.stringify(signedIn)}`);
  return token;
}

async function userId(t: TestApp, email: string): Promise<string> {
  return (await t.db('users').where({ email_lower: email }).first('id')).id;
}

async function auditRows(t: TestApp, action: string): Promise<Array<{ target_id: string; actor_id: string | null; details: Record<string, unknown> | null }>> {
  const rows = await t.db('audit_events').where({ action }).orderBy('created_at').select('target_id', 'actor_id', 'details');
  return rows.map((row) => ({ ...row, details: typeof row.details === 'string' ? JSON.parse(row.details) : row.details }));
}

describe(`passkeys (${engine})`, () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp(ENV);
  });
  afterAll(() => t.close());

  describe('registration', () => {
    it('answers creation options for the signed-in operator, stores the passkey and lists it without key material', async () => {
      const me = await verifiedOperator(t, 'reg@example.com');
      const id = await userId(t, 'reg@example.com');
      const options = await registrationOptions(t, me.access_token);
      expect(options).toMatchObject({
        rp: { id: 'hydracore.test', name: 'HydraCore' },
        user: { id: Buffer.from(id, 'utf8').toString('base64url'), name: 'reg@example.com', displayName: 'reg@example.com' },
        challenge: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
        timeout: 300_000,
        attestation: 'none',
        excludeCredentials: [],
        authenticatorSelection: { residentKey: 'preferred', userVerification: 'preferred' },
      });
      expect(options.pubKeyCredParams.map((p: { alg: number }) => p.alg)).toContain(-7);

      const laptop = new SoftwareAuthenticator(SITE, { synced: true, transports: ['internal', 'hybrid', 'made-up'] });
      const finished = await graphql(t, FINISH_REGISTRATION, { response: laptop.create(options), name: '  Laptop  ' }, bearer(me.access_token));
      expect(finished).toEqual({ data: { finishPasskeyRegistration: true } });

      // A second one: the password-level session of an account with a passkey steps up first,
      // by signing in with the passkey it has.
      expect(codeOf(await graphql(t, START_REGISTRATION, {}, bearer(me.access_token)))).toBe('STEP_UP_REQUIRED');
      const signedInAt = t.clock.now().toISOString();
      const aal2 = await passkeySession(t, laptop);
      const key = new SoftwareAuthenticator(ADMIN_APP, { countsSignatures: true, transports: ['usb', 'nfc'] });
      expect((await addPasskey(t, aal2, key)).data).toEqual({ finishPasskeyRegistration: true });

      const listed = await graphql(t, MY_PASSKEYS, {}, bearer(me.access_token));
      expect(listed.data?.myPasskeys).toEqual([
        { id: expect.any(String), name: 'Laptop', createdAt: '2026-11-21T12:00:00.000Z', lastUsedAt: signedInAt, backedUp: true, deviceType: 'multiDevice', transports: ['internal', 'hybrid'] },
        { id: expect.any(String), name: 'Passkey added 2026-11-21', createdAt: '2026-11-21T12:00:00.000Z', lastUsedAt: null, backedUp: false, deviceType: 'singleDevice', transports: ['usb', 'nfc'] },
      ]);
      // The type has no field for the key, the credential id or the counter.
      const type = await graphql(t, '{ __type(name: "Passkey") { fields { name } } }');
      expect(type.data?.__type.fields.map((f: { name: string }) => f.name).sort()).toEqual(['backedUp', 'createdAt', 'deviceType', 'id', 'lastUsedAt', 'name', 'transports']);
      expect((await auditRows(t, 'passkey.registered')).filter((row) => row.actor_id === id)).toHaveLength(2);
      expect(await hasPasskey(t.db, id)).toBe(true);

      // The next ceremony asks authenticators that hold one of them not to make another.
      const again = await registrationOptions(t, aal2);
      expect(again.excludeCredentials).toEqual([
        { id: laptop.credentials[0].id, type: 'public-key', transports: ['internal', 'hybrid'] },
        { id: key.credentials[0].id, type: 'public-key', transports: ['usb', 'nfc'] },
      ]);
    });

    it('needs a signed-in operator with a verified email: not anonymous, an API key or a customer', async () => {
      await seedShop(t, 'shop');
      const customer = await activeCustomer(t, 'shop', 'customer@example.com');
      const key = (await asPlatform<{ createApiKey: { key: string } }>(t, CREATE_API_KEY, { input: { tenantSlug: 'shop', name: 'tests' } })).createApiKey.key;
      const unverified = await registerOperator(t, 'unverified@example.com');
      const someId = '00000000-0000-4000-8000-000000000000';
      for (const [query, variables] of [[START_REGISTRATION, {}], [FINISH_REGISTRATION, { response: {} }], [MY_PASSKEYS, {}], [REMOVE, { id: someId }]] as const) {
        expect(codeOf(await graphql(t, query, variables))).toBe('NOT_AUTHENTICATED');
        expect(codeOf(await graphql(t, query, variables, { 'x-api-key': key }))).toBe('PERSON_TOKEN_REQUIRED');
        expect(codeOf(await graphql(t, query, variables, bearer(customer.access_token)))).toBe('OPERATOR_TOKEN_REQUIRED');
        expect(codeOf(await graphql(t, query, variables, bearer(unverified.access_token)))).toBe('EMAIL_NOT_VERIFIED');
      }
    });

    it("refuses a response from another origin or for another RP ID, and a challenge that is not the operator's own", async () => {
      const me = await verifiedOperator(t, 'reg-refused@example.com');
      const other = await verifiedOperator(t, 'reg-other@example.com');
      const authenticator = new SoftwareAuthenticator(SITE);
      expect(codeOf(await addPasskey(t, me.access_token, authenticator, undefined, { origin: 'https://evil.example' }))).toBe('PASSKEY_INVALID');
      expect(codeOf(await addPasskey(t, me.access_token, authenticator, undefined, { rpId: 'evil.example' }))).toBe('PASSKEY_INVALID');
      expect(codeOf(await addPasskey(t, me.access_token, authenticator, undefined, { type: 'webauthn.get' }))).toBe('PASSKEY_INVALID');

      // Another operator's challenge: refused, and not used up for its owner.
      const mine = await registrationOptions(t, me.access_token);
      const response = authenticator.create(mine);
      expect(codeOf(await graphql(t, FINISH_REGISTRATION, { response }, bearer(other.access_token)))).toBe('PASSKEY_INVALID');
      expect((await graphql(t, FINISH_REGISTRATION, { response }, bearer(me.access_token))).data).toEqual({ finishPasskeyRegistration: true });
      // The account has a passkey now: what follows runs in a session signed in with it (aal2;
      // the address picks the one registered among the credentials this authenticator made).
      const aal2 = await passkeySession(t, authenticator, {}, 'reg-refused@example.com');
      // Used once: the same response again is refused.
      expect(codeOf(await graphql(t, FINISH_REGISTRATION, { response }, bearer(aal2)))).toBe('PASSKEY_INVALID');
      // A sign-in challenge is no registration challenge.
      const login = await loginOptions(t);
      expect(codeOf(await graphql(t, FINISH_REGISTRATION, { response: authenticator.create(mine, { challenge: login.challenge }) }, bearer(aal2)))).toBe('PASSKEY_INVALID');
      // Malformed responses are the same refusal, never a 500.
      for (const junk of [{}, [], 'text', 42, { response: { clientDataJSON: 'not base64 json' } }, { id: 'x', response: { clientDataJSON: Buffer.from(JSON.stringify({ challenge: mine.challenge })).toString('base64url') } }]) {
        expect(codeOf(await graphql(t, FINISH_REGISTRATION, { response: junk }, bearer(aal2)))).toBe('PASSKEY_INVALID');
      }
      expect(await t.db('passkeys').where({ user_id: await userId(t, 'reg-refused@example.com') }).count({ n: '*' })).toEqual([{ n: engine === 'postgres' ? '1' : 1 }]);
    });

    it('a challenge expires after 5 minutes', async () => {
      const me = await verifiedOperator(t, 'reg-expiry@example.com');
      const authenticator = new SoftwareAuthenticator(SITE);
      const options = await registrationOptions(t, me.access_token);
      t.clock.advance(5 * 60_000);
      expect(codeOf(await graphql(t, FINISH_REGISTRATION, { response: authenticator.create(options) }, bearer(me.access_token)))).toBe('PASSKEY_INVALID');
      const fresh = await registrationOptions(t, me.access_token);
      t.clock.advance(5 * 60_000 - 1000);
      expect((await graphql(t, FINISH_REGISTRATION, { response: authenticator.create(fresh) }, bearer(me.access_token))).data).toEqual({ finishPasskeyRegistration: true });
    });

    it('two responses to one challenge, sent at once: one passkey is stored', async () => {
      const me = await verifiedOperator(t, 'reg-race@example.com');
      const options = await registrationOptions(t, me.access_token);
      const responses = [new SoftwareAuthenticator(SITE), new SoftwareAuthenticator(SITE), new SoftwareAuthenticator(SITE)].map((a) => a.create(options));
      const results = await Promise.all(responses.map((response) => graphql(t, FINISH_REGISTRATION, { response }, bearer(me.access_token))));
      expect(results.filter((r) => r.data?.finishPasskeyRegistration === true)).toHaveLength(1);
      expect(results.filter((r) => codeOf(r) === 'PASSKEY_INVALID')).toHaveLength(2);
      expect((await graphql(t, MY_PASSKEYS, {}, bearer(me.access_token))).data?.myPasskeys).toHaveLength(1);
    });

    it('starting again replaces the pending registration: one challenge per operator, parallel starts too', async () => {
      const me = await verifiedOperator(t, 'reg-again@example.com');
      const id = await userId(t, 'reg-again@example.com');
      const pending = async () => t.db('webauthn_challenges').where({ user_id: id }).pluck('challenge');
      const authenticator = new SoftwareAuthenticator(SITE);
      const earlier = await registrationOptions(t, me.access_token);
      const later = await registrationOptions(t, me.access_token);
      expect(await pending()).toEqual([later.challenge]);
      expect(codeOf(await graphql(t, FINISH_REGISTRATION, { response: authenticator.create(earlier) }, bearer(me.access_token)))).toBe('PASSKEY_INVALID');

      const parallel = await Promise.all(Array.from({ length: 8 }, () => graphql(t, START_REGISTRATION, {}, bearer(me.access_token))));
      const challenges = parallel.map((r) => r.data?.startPasskeyRegistration.challenge as string);
      expect(new Set(challenges).size).toBe(8);
      const [kept] = await pending();
      expect(await pending()).toEqual([kept]);
      expect(challenges).toContain(kept);
      // Only the options whose challenge was kept finish; another operator's pending one is untouched.
      const other = await verifiedOperator(t, 'reg-bystander@example.com');
      const theirs = await registrationOptions(t, other.access_token);
      const options = parallel[challenges.indexOf(kept)].data?.startPasskeyRegistration;
      expect((await graphql(t, FINISH_REGISTRATION, { response: authenticator.create(options) }, bearer(me.access_token))).data).toEqual({ finishPasskeyRegistration: true });
      expect((await graphql(t, FINISH_REGISTRATION, { response: new SoftwareAuthenticator(SITE).create(theirs) }, bearer(other.access_token))).data).toEqual({ finishPasskeyRegistration: true });
    });

    it("a credential registered already (someone else's) cannot be registered again", async () => {
      const victim = await verifiedOperator(t, 'victim@example.com');
      const attacker = await verifiedOperator(t, 'attacker@example.com');
      const authenticator = new SoftwareAuthenticator(SITE);
      await addPasskey(t, victim.access_token, authenticator);
      const result = await addPasskey(t, attacker.access_token, authenticator, undefined, { credential: authenticator.credentials[0] });
      expect(codeOf(result)).toBe('PASSKEY_INVALID');
      expect(await t.db('passkeys').where({ credential_id: authenticator.credentials[0].id }).select('user_id')).toEqual([{ user_id: await userId(t, 'victim@example.com') }]);
    });

    it('refuses a credential id longer than WebAuthn allows (1,023 bytes), and one the response misnames', async () => {
      const me = await verifiedOperator(t, 'long-id@example.com');
      const authenticator = new SoftwareAuthenticator(SITE);
      expect(codeOf(await addPasskey(t, me.access_token, authenticator, undefined, { credentialIdBytes: 1024 }))).toBe('PASSKEY_INVALID');
      const misnamed = authenticator.create(await registrationOptions(t, me.access_token));
      const other = authenticator.credentials[0].id;
      expect(codeOf(await graphql(t, FINISH_REGISTRATION, { response: { ...misnamed, id: other, rawId: other } }, bearer(me.access_token)))).toBe('PASSKEY_INVALID');
      expect((await addPasskey(t, me.access_token, authenticator, undefined, { credentialIdBytes: 1023 })).data).toEqual({ finishPasskeyRegistration: true });
    });

    it('checks the name before the challenge is used', async () => {
      const me = await verifiedOperator(t, 'reg-name@example.com');
      const authenticator = new SoftwareAuthenticator(SITE);
      const options = await registrationOptions(t, me.access_token);
      const response = authenticator.create(options);
      const empty = await graphql(t, FINISH_REGISTRATION, { response, name: '   ' }, bearer(me.access_token));
      expect(empty.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', detail: [{ type: 'string_too_short', loc: ['name'] }] });
      const long = await graphql(t, FINISH_REGISTRATION, { response, name: 'x'.repeat(101) }, bearer(me.access_token));
      expect(long.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', detail: [{ type: 'string_too_long', loc: ['name'] }] });
      expect((await graphql(t, FINISH_REGISTRATION, { response, name: 'x'.repeat(100) }, bearer(me.access_token))).data).toEqual({ finishPasskeyRegistration: true });
    });
  });

  describe('sign-in', () => {
    it('signs in without an address (discoverable): an aal2 session with amr ["webauthn"] that refreshes as aal2', async () => {
      const me = await verifiedOperator(t, 'login@example.com');
      const id = await userId(t, 'login@example.com');
      const authenticator = new SoftwareAuthenticator(SITE);
      await addPasskey(t, me.access_token, authenticator);

      const options = await loginOptions(t);
      expect(options).toEqual({ rpId: 'hydracore.test', challenge: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/), allowCredentials: [], timeout: 300_000, userVerification: 'required' });
      t.clock.advance(60_000);
      const usedAt = t.clock.now().toISOString();
      const signedIn = await graphql(t, FINISH_LOGIN, { response: authenticator.get(options) }, { 'user-agent': 'PasskeyTest/1.0' });
      expect(signedIn.data?.finishPasskeyLogin).toMatchObject({ emailVerified: true, tokenType: 'bearer' });
      const { accessToken, refreshToken } = signedIn.data?.finishPasskeyLogin;
      expect(decodeJwt(accessToken)).toMatchObject({ sub: id, amr: ['webauthn'], acr: 'aal2', evf: true });

      const me2 = await t.app.inject({ method: 'GET', url: '/auth/me', headers: bearer(accessToken) });
      expect(me2.statusCode).toBe(200);
      expect(me2.json()).toMatchObject({ email: 'login@example.com', email_verified: true });
      const session = await t.db('sessions').where({ id: decodeJwt(accessToken).sid }).first('amr', 'acr', 'user_agent');
      expect(session).toEqual({ amr: 'webauthn', acr: 'aal2', user_agent: 'PasskeyTest/1.0' });
      const refreshed = await graphql(t, 'mutation($t: String!) { refresh(input: { refreshToken: $t }) { accessToken } }', { t: refreshToken });
      expect(decodeJwt(refreshed.data?.refresh.accessToken)).toMatchObject({ amr: ['webauthn'], acr: 'aal2' });

      expect((await graphql(t, MY_PASSKEYS, {}, bearer(accessToken))).data?.myPasskeys[0].lastUsedAt).toBe(usedAt);
      expect(await auditRows(t, 'login.succeeded')).toContainEqual({ target_id: id, actor_id: null, details: { method: 'webauthn', passkeyId: expect.any(String) } });
    });

    it('with an address: its passkeys are allowed; an unknown address looks like one without passkeys, and like none', async () => {
      const me = await verifiedOperator(t, 'email-login@example.com');
      await verifiedOperator(t, 'no-passkeys@example.com');
      const phone = new SoftwareAuthenticator(SITE);
      const key = new SoftwareAuthenticator(SITE, { transports: ['usb'] });
      await addPasskey(t, me.access_token, phone);
      await addPasskey(t, await passkeySession(t, phone), key);

      const options = await loginOptions(t, 'Email-Login@Example.com');
      expect(options.allowCredentials).toEqual([
        { id: phone.credentials[0].id, type: 'public-key', transports: ['internal'] },
        { id: key.credentials[0].id, type: 'public-key', transports: ['usb'] },
      ]);
      expect((await graphql(t, FINISH_LOGIN, { response: key.get(options) })).data?.finishPasskeyLogin.accessToken).toEqual(expect.any(String));

      const shape = (o: any) => ({ ...o, challenge: typeof o.challenge });
      const none = shape(await loginOptions(t));
      expect(shape(await loginOptions(t, 'nobody@example.com'))).toEqual(none);
      expect(shape(await loginOptions(t, 'no-passkeys@example.com'))).toEqual(none);
      // An address in the arguments is no more than a lookup key: junk answers the same.
      expect(shape(await loginOptions(t, 'not an address'))).toEqual(none);
      const long = await graphql(t, START_LOGIN, { email: `${'a'.repeat(320)}@example.com` });
      expect(long.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', detail: [{ type: 'string_too_long', loc: ['email'] }] });
    });

    it('accepts the pages of PUBLIC_URL, SITE_URL and CORS_ORIGINS; refuses another origin, another RP ID and a registration response', async () => {
      const me = await verifiedOperator(t, 'origins@example.com');
      const authenticator = new SoftwareAuthenticator(SITE);
      await addPasskey(t, me.access_token, authenticator);
      for (const origin of [GATEWAY, SITE, ADMIN_APP]) expect((await signIn(t, authenticator, { origin })).data?.finishPasskeyLogin).toBeTruthy();
      for (const overrides of [{ origin: 'https://evil.example' }, { origin: 'http://app.hydracore.test' }, { rpId: 'evil.example' }, { rpId: 'app.hydracore.test' }, { type: 'webauthn.create' }]) {
        expect(codeOf(await signIn(t, authenticator, overrides))).toBe('PASSKEY_INVALID');
      }
    });

    it('requires user verification at sign-in (a passkey made without it still signs in with it)', async () => {
      const me = await verifiedOperator(t, 'uv@example.com');
      const authenticator = new SoftwareAuthenticator(SITE);
      expect((await addPasskey(t, me.access_token, authenticator, undefined, { userVerified: false })).data).toEqual({ finishPasskeyRegistration: true });
      expect(codeOf(await signIn(t, authenticator, { userVerified: false }))).toBe('PASSKEY_INVALID');
      expect(decodeJwt((await signIn(t, authenticator)).data?.finishPasskeyLogin.accessToken)).toMatchObject({ acr: 'aal2' });
    });

    it('refuses an unknown credential, a forged signature, and a user handle that is not the owner', async () => {
      const me = await verifiedOperator(t, 'forged@example.com');
      const authenticator = new SoftwareAuthenticator(SITE);
      await addPasskey(t, me.access_token, authenticator);

      const stranger = new SoftwareAuthenticator(SITE);
      stranger.create(await registrationOptions(t, await passkeySession(t, authenticator))); // made, never registered
      expect(codeOf(await signIn(t, stranger))).toBe('PASSKEY_INVALID');

      const options = await loginOptions(t);
      const response = authenticator.get(options);
      const signature = Buffer.from(response.response.signature, 'base64url');
      signature[signature.length - 1] ^= 0x01;
      expect(codeOf(await graphql(t, FINISH_LOGIN, { response: { ...response, response: { ...response.response, signature: signature.toString('base64url') } } }))).toBe('PASSKEY_INVALID');

      // A real signature over another credential's claim: the stranger's key, our credential id.
      const claimed = stranger.get(await loginOptions(t));
      expect(codeOf(await graphql(t, FINISH_LOGIN, { response: { ...claimed, id: authenticator.credentials[0].id, rawId: authenticator.credentials[0].id } }))).toBe('PASSKEY_INVALID');

      const otherUser = Buffer.from(await userId(t, 'login@example.com'), 'utf8').toString('base64url');
      expect(codeOf(await signIn(t, authenticator, { userHandle: otherUser }))).toBe('PASSKEY_INVALID');
      // No user handle at all (a credential that is not discoverable): fine.
      expect((await signIn(t, authenticator, { userHandle: null })).data?.finishPasskeyLogin).toBeTruthy();
      for (const junk of [{}, null, 'text', { id: authenticator.credentials[0].id, response: { clientDataJSON: Buffer.from(JSON.stringify({ challenge: (await loginOptions(t)).challenge })).toString('base64url') } }]) {
        expect(codeOf(await graphql(t, FINISH_LOGIN, { response: junk }))).toBe(junk === null ? 'BAD_USER_INPUT' : 'PASSKEY_INVALID');
      }
    });

    it('a challenge is used once: again, or twice at once, only one sign-in', async () => {
      const me = await verifiedOperator(t, 'replay@example.com');
      const authenticator = new SoftwareAuthenticator(SITE);
      await addPasskey(t, me.access_token, authenticator);
      const options = await loginOptions(t);
      const response = authenticator.get(options);
      expect((await graphql(t, FINISH_LOGIN, { response })).data?.finishPasskeyLogin).toBeTruthy();
      expect(codeOf(await graphql(t, FINISH_LOGIN, { response }))).toBe('PASSKEY_INVALID');

      const racing = await loginOptions(t);
      const responses = Array.from({ length: 5 }, () => authenticator.get(racing));
      const results = await Promise.all(responses.map((r) => graphql(t, FINISH_LOGIN, { response: r })));
      expect(results.filter((r) => r.data?.finishPasskeyLogin)).toHaveLength(1);
      expect(results.filter((r) => codeOf(r) === 'PASSKEY_INVALID')).toHaveLength(4);

      // Two copies in one document are refused before anything runs (aliases cannot multiply tries).
      const aliased = await t.app.inject({
        method: 'POST',
        url: '/graphql',
        payload: { query: 'mutation($r: JSON!) { a: finishPasskeyLogin(response: $r) { accessToken } b: finishPasskeyLogin(response: $r) { accessToken } }', variables: { r: authenticator.get(await loginOptions(t)) } },
      });
      expect(aliased.statusCode).toBe(400);
      expect(aliased.json().errors[0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
    });

    it('a challenge expires after 5 minutes; a registration challenge does not sign in', async () => {
      const me = await verifiedOperator(t, 'login-expiry@example.com');
      const authenticator = new SoftwareAuthenticator(SITE);
      await addPasskey(t, me.access_token, authenticator);
      const options = await loginOptions(t);
      t.clock.advance(5 * 60_000);
      expect(codeOf(await graphql(t, FINISH_LOGIN, { response: authenticator.get(options) }))).toBe('PASSKEY_INVALID');
      const registration = await registrationOptions(t, await passkeySession(t, authenticator));
      expect(codeOf(await signIn(t, authenticator, { challenge: registration.challenge }))).toBe('PASSKEY_INVALID');
      // Expired challenges are cleared as new ones are made.
      t.clock.advance(5 * 60_000);
      await loginOptions(t);
      expect(await t.db('webauthn_challenges').where('expires_at', '<=', t.clock.now().toISOString()).count({ n: '*' })).toEqual([{ n: engine === 'postgres' ? '0' : 0 }]);
    });

    it('refuses a signature counter that did not go up (a cloned authenticator) and records it', async () => {
      const me = await verifiedOperator(t, 'clone@example.com');
      const id = await userId(t, 'clone@example.com');
      const authenticator = new SoftwareAuthenticator(SITE, { countsSignatures: true });
      await addPasskey(t, me.access_token, authenticator); // counter 1
      expect((await signIn(t, authenticator, { counter: 5 })).data?.finishPasskeyLogin).toBeTruthy();
      for (const counter of [5, 3, 0]) expect(codeOf(await signIn(t, authenticator, { counter }))).toBe('PASSKEY_INVALID');
      const passkeyId = (await t.db('passkeys').where({ user_id: id }).first('id', 'counter'));
      expect(Number(passkeyId.counter)).toBe(5);
      expect((await auditRows(t, 'passkey.clone_detected')).filter((row) => row.target_id === passkeyId.id).map((row) => row.details)).toEqual([
        { userId: id, storedCounter: 5, receivedCounter: 5 },
        { userId: id, storedCounter: 5, receivedCounter: 3 },
        { userId: id, storedCounter: 5, receivedCounter: 0 },
      ]);
      // The genuine authenticator, further on, still signs in; a forged assertion raises no alarm.
      const genuine = await signIn(t, authenticator, { counter: 6 });
      expect(genuine.data?.finishPasskeyLogin).toBeTruthy();
      const forged = authenticator.get(await loginOptions(t), { counter: 2 });
      forged.response.signature = Buffer.from(forged.response.signature, 'base64url').reverse().toString('base64url');
      expect(codeOf(await graphql(t, FINISH_LOGIN, { response: forged }))).toBe('PASSKEY_INVALID');
      expect((await auditRows(t, 'passkey.clone_detected')).filter((row) => row.target_id === passkeyId.id)).toHaveLength(3);

      // Authenticators that keep no counter (synced passkeys report 0) sign in again and again.
      const synced = new SoftwareAuthenticator(SITE, { synced: true });
      await addPasskey(t, genuine.data?.finishPasskeyLogin.accessToken, synced); // the aal2 session just signed in
      for (let i = 0; i < 3; i += 1) expect((await signIn(t, synced)).data?.finishPasskeyLogin).toBeTruthy();
    });
  });

  describe('removal', () => {
    it("removes one's own passkey (audited); someone else's id and an unknown one answer the same", async () => {
      const me = await verifiedOperator(t, 'remove@example.com');
      const other = await verifiedOperator(t, 'remove-other@example.com');
      const mine = new SoftwareAuthenticator(SITE);
      const theirs = new SoftwareAuthenticator(SITE);
      await addPasskey(t, me.access_token, mine);
      await addPasskey(t, other.access_token, theirs);
      const myId = (await graphql(t, MY_PASSKEYS, {}, bearer(me.access_token))).data?.myPasskeys[0].id;
      const theirId = (await graphql(t, MY_PASSKEYS, {}, bearer(other.access_token))).data?.myPasskeys[0].id;

      // The password-level session cannot remove it; one signed in with the passkey can.
      expect(codeOf(await graphql(t, REMOVE, { id: myId }, bearer(me.access_token)))).toBe('STEP_UP_REQUIRED');
      const aal2 = await passkeySession(t, mine);
      const foreign = await graphql(t, REMOVE, { id: theirId }, bearer(aal2));
      const unknown = await graphql(t, REMOVE, { id: '7d3f1a52-5f0e-4c39-9d7e-2f1b1c0a9e11' }, bearer(aal2));
      expect(foreign.errors?.[0]).toMatchObject({ message: 'Passkey not found', extensions: { code: 'PASSKEY_NOT_FOUND' } });
      expect({ ...unknown.errors?.[0], locations: undefined }).toEqual({ ...foreign.errors?.[0], locations: undefined });
      expect(codeOf(await graphql(t, REMOVE, { id: 'not-a-uuid' }, bearer(aal2)))).toBe('BAD_USER_INPUT');
      expect((await graphql(t, MY_PASSKEYS, {}, bearer(other.access_token))).data?.myPasskeys).toHaveLength(1);

      expect(await graphql(t, REMOVE, { id: myId }, bearer(aal2))).toEqual({ data: { removePasskey: true } });
      expect(codeOf(await graphql(t, REMOVE, { id: myId }, bearer(aal2)))).toBe('PASSKEY_NOT_FOUND');
      expect((await auditRows(t, 'passkey.removed')).map((row) => row.target_id)).toEqual([myId]);
      expect(await hasPasskey(t.db, await userId(t, 'remove@example.com'))).toBe(false);
      expect(codeOf(await signIn(t, mine))).toBe('PASSKEY_INVALID');
      expect((await signIn(t, theirs)).data?.finishPasskeyLogin).toBeTruthy();
    });

    it("go with the account: deleting a user deletes its passkeys and challenges", async () => {
      const me = await verifiedOperator(t, 'deleted@example.com');
      const id = await userId(t, 'deleted@example.com');
      const authenticator = new SoftwareAuthenticator(SITE);
      await addPasskey(t, me.access_token, authenticator);
      await registrationOptions(t, await passkeySession(t, authenticator));
      await t.db('sessions').where({ subject_id: id }).delete();
      await t.db('users').where({ id }).delete();
      expect(await t.db('passkeys').where({ user_id: id })).toEqual([]);
      expect(await t.db('webauthn_challenges').where({ user_id: id })).toEqual([]);
    });
  });
});

describe(`passkey sign-in limits (${engine})`, () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ ...ENV, LOGIN_FAILURES_PER_IP: '3', PASSKEY_LOGINS_PER_IP: '30' });
  });
  afterAll(() => t.close());

  it("failed sign-ins count against the client IP's failure budget (successes are given back), parallel ones too", async () => {
    const me = await verifiedOperator(t, 'budget@example.com');
    const authenticator = new SoftwareAuthenticator(SITE);
    await addPasskey(t, me.access_token, authenticator);
    for (let i = 0; i < 5; i += 1) expect((await signIn(t, authenticator)).data?.finishPasskeyLogin).toBeTruthy();

    const wrong = await Promise.all(Array.from({ length: 6 }, async () => authenticator.get(await loginOptions(t), { origin: 'https://evil.example' })));
    const results = await Promise.all(wrong.map((response) => graphql(t, FINISH_LOGIN, { response })));
    expect(results.map(codeOf).sort()).toEqual(['PASSKEY_INVALID', 'PASSKEY_INVALID', 'PASSKEY_INVALID', 'RATE_LIMITED', 'RATE_LIMITED', 'RATE_LIMITED']);
    const refused = await signIn(t, authenticator);
    expect(refused.errors?.[0].extensions).toMatchObject({ code: 'RATE_LIMITED', retryAfter: expect.any(Number) });
    // A password login from this IP is refused by the same budget.
    expect((await post(t, '/auth/login', { email: 'budget@example.com', password: 'wrong password, wrong' })).statusCode).toBe(429);
  });

  it('starting sign-ins is limited per client IP', async () => {
    // 5 + 6 + 1 started above; the 30th is the last allowed.
    const results = await Promise.all(Array.from({ length: 20 }, () => graphql(t, START_LOGIN)));
    expect(results.filter((r) => r.data?.startPasskeyLogin).length).toBe(18);
    expect(results.filter((r) => codeOf(r) === 'RATE_LIMITED').length).toBe(2);
  });
});
