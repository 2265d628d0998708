import fs from 'node:fs';
import { chromium, type Browser, type CDPSession, type Page } from 'playwright-core';
import { startTestApp, type TestApp } from '../helpers/app';
import { verifiedOperator } from '../helpers/auth';
import { engine } from '../helpers/db';
import { freePort } from '../helpers/net';

/**
 * Issue 18, item 5: a real browser (Debian's Chromium) registers a passkey and signs in with
 * it, on http://localhost (a secure context, so WebAuthn is available without TLS). The
 * authenticator is the DevTools virtual one (CTAP2, built in, discoverable credentials, user
 * verification), so the bytes the gateway verifies are Chromium's own, not our test helper's.
 *
 * The page is the gateway's own: PUBLIC_URL is http://localhost:<port>, so the RP ID is
 * `localhost` and the page's origin is the one expected. It is /graphiql rather than the `/`
 * landing page, whose Content-Security-Policy (`default-src 'none'`) forbids the page's
 * fetch() to /graphql; /graphiql allows `connect-src 'self'`.
 */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const available = fs.existsSync(CHROMIUM);

if (!available) {
  // eslint-disable-next-line no-console
  console.warn(`passkey browser test skipped: no Chromium at ${CHROMIUM} (apt-get install chromium; .ci/run installs it)`);
}

/**
 * What a frontend does, in the page: each ceremony's options from /graphql, WebAuthn's
 * base64url fields turned into ArrayBuffers for navigator.credentials, the credential turned
 * back into WebAuthn's JSON for the finish call. Answers the GraphQL results (or the error).
 */
async function inPage(page: Page, ceremony: 'register' | 'login', accessToken?: string): Promise<any> {
  return page.evaluate(
    async ({ ceremony, accessToken }) => {
      // Browser globals (the test's TypeScript knows Node's, not the DOM's).
      const { navigator } = globalThis as any;
      const toBuffer = (text: string): ArrayBuffer => {
        const base64 = text.replace(/-/g, '+').replace(/_/g, '/');
        const bytes = atob(base64 + '='.repeat((4 - (base64.length % 4)) % 4));
        return Uint8Array.from(bytes, (c) => c.charCodeAt(0)).buffer;
      };
      const toText = (buffer: ArrayBuffer | null): string | undefined =>
        buffer === null ? undefined : btoa(String.fromCharCode(...new Uint8Array(buffer))).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
      const graphql = async (query: string, variables: Record<string, unknown> = {}) => {
        const headers: Record<string, string> = { 'content-type': 'application/json' };
        if (accessToken) headers.authorization = `Bearer ${accessToken}`;
        const res = await fetch('/graphql', { method: 'POST', headers, body: JSON.stringify({ query, variables }) });
        return (await res.json()) as any;
      };
      const descriptors = (list: Array<{ id: string; type: string; transports?: string[] }> = []) => list.map((c) => ({ ...c, id: toBuffer(c.id) }));
      try {
        if (ceremony === 'register') {
          const started = await graphql('mutation { startPasskeyRegistration }');
          const options = started.data.startPasskeyRegistration;
          const credential = await navigator.credentials.create({
            publicKey: { ...options, challenge: toBuffer(options.challenge), user: { ...options.user, id: toBuffer(options.user.id) }, excludeCredentials: descriptors(options.excludeCredentials) },
          });
          const { response } = credential;
          const json = {
            id: credential.id,
            rawId: toText(credential.rawId),
            type: credential.type,
            response: { clientDataJSON: toText(response.clientDataJSON), attestationObject: toText(response.attestationObject), transports: response.getTransports() },
            clientExtensionResults: credential.getClientExtensionResults(),
            authenticatorAttachment: credential.authenticatorAttachment,
          };
          return { options, finished: await graphql('mutation($r: JSON!) { finishPasskeyRegistration(response: $r, name: "Chromium") }', { r: json }) };
        }
        const started = await graphql('mutation { startPasskeyLogin }');
        const options = started.data.startPasskeyLogin;
        const credential = await navigator.credentials.get({
          publicKey: { ...options, challenge: toBuffer(options.challenge), allowCredentials: descriptors(options.allowCredentials) },
        });
        const { response } = credential;
        const json = {
          id: credential.id,
          rawId: toText(credential.rawId),
          type: credential.type,
          response: {
            clientDataJSON: toText(response.clientDataJSON),
            authenticatorData: toText(response.authenticatorData),
            signature: toText(response.signature),
            userHandle: toText(response.userHandle),
          },
          clientExtensionResults: credential.getClientExtensionResults(),
          authenticatorAttachment: credential.authenticatorAttachment,
        };
        const finished = await graphql('mutation($r: JSON!) { finishPasskeyLogin(response: $r) { accessToken refreshToken emailVerified } }', { r: json });
        const token = finished.data?.finishPasskeyLogin?.accessToken;
        const me = token ? await fetch('/auth/me', { headers: { authorization: `Bearer ${token}` } }) : undefined;
        return { options, finished, me: me && { status: me.status, json: await me.json() } };
      } catch (error) {
        return { error: String(error) };
      }
    },
    { ceremony, accessToken },
  );
}

(available ? describe : describe.skip)(`passkeys in Chromium with the DevTools virtual authenticator (${engine})`, () => {
  let t: TestApp;
  let browser: Browser;
  let origin: string;

  beforeAll(async () => {
    const port = await freePort();
    origin = `http://localhost:${port}`;
    t = await startTestApp({ PUBLIC_URL: origin, GRAPHIQL_ENABLED: 'true' });
    await t.app.listen({ port, host: '127.0.0.1' });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--headless', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('registers a passkey, then signs in with it without an address, and the token works on /auth/me', async () => {
    const operator = await verifiedOperator(t, 'browser@example.com');
    const page = await (await browser.newContext()).newPage();
    await page.goto(`${origin}/graphiql`, { waitUntil: 'domcontentloaded' });

    const devtools: CDPSession = await page.context().newCDPSession(page);
    await devtools.send('WebAuthn.enable', { enableUI: false });
    const { authenticatorId } = await devtools.send('WebAuthn.addVirtualAuthenticator', {
      options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
    });

    const registered = await inPage(page, 'register', operator.access_token);
    expect(registered.error).toBeUndefined();
    expect(registered.options.rp).toEqual({ id: 'localhost', name: 'HydraCore' });
    expect(registered.finished).toEqual({ data: { finishPasskeyRegistration: true } });
    const { credentials } = await devtools.send('WebAuthn.getCredentials', { authenticatorId });
    expect(credentials).toHaveLength(1);
    expect(credentials[0]).toMatchObject({ isResidentCredential: true, rpId: 'localhost' });
    const stored = await t.db('passkeys').first('credential_id', 'name', 'transports');
    expect(stored).toEqual({ credential_id: credentials[0].credentialId.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, ''), name: 'Chromium', transports: 'internal' });

    // No token and no address: the authenticator offers the passkey it holds (discoverable).
    const signedIn = await inPage(page, 'login');
    expect(signedIn.error).toBeUndefined();
    expect(signedIn.options).toMatchObject({ rpId: 'localhost', allowCredentials: [], userVerification: 'required' });
    expect(signedIn.finished.data.finishPasskeyLogin).toMatchObject({ emailVerified: true, accessToken: expect.any(String) });
    expect(signedIn.me).toEqual({ status: 200, json: expect.objectContaining({ email: 'browser@example.com', email_verified: true }) });
    const claims = JSON.parse(Buffer.from(signedIn.finished.data.finishPasskeyLogin.accessToken.split('.')[1], 'base64url').toString('utf8'));
    expect(claims).toMatchObject({ amr: ['webauthn'], acr: 'aal2' });
    expect((await t.db('passkeys').first('last_used_at')).last_used_at).not.toBeNull();
  }, 120_000);
});
