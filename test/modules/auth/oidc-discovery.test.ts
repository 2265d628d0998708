import { generateKeyPairSync } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRemoteJWKSet, jwtVerify, SignJWT, importPKCS8, errors } from 'jose';
import { startTestApp, type TestApp } from '../../helpers/app';
import { registerOperator } from '../../helpers/auth';
import { engine } from '../../helpers/db';
import { freePort } from '../../helpers/net';

const ed25519Pem = () => generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();

/**
 * Issue 18, item 7: a resource server finds our issuer and keys at
 * `/.well-known/openid-configuration` and verifies access tokens with a standard library
 * (jose's remote JWKS), knowing nothing of ours but the gateway's URL.
 */
describe(`OIDC discovery (${engine})`, () => {
  let t: TestApp;
  let base: string;
  let dir: string;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oidc-'));
    const keyFile = path.join(dir, 'key.pem');
    fs.writeFileSync(keyFile, ed25519Pem());
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    t = await startTestApp({ JWT_ALGORITHM: 'EdDSA', JWT_PRIVATE_KEY_FILE: keyFile, PUBLIC_URL: base });
    await t.app.listen({ port, host: '127.0.0.1' });
  });
  afterAll(async () => {
    await t.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('publishes the issuer, an absolute jwks_uri and the signing algorithm, cached like the JWKS', async () => {
    const res = await fetch(`${base}/.well-known/openid-configuration`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.headers.get('cache-control')).toBe('public, max-age=300');
    expect(await res.json()).toEqual({
      issuer: base,
      jwks_uri: `${base}/.well-known/jwks.json`,
      id_token_signing_alg_values_supported: ['EdDSA'],
      subject_types_supported: ['public'],
    });
  });

  it("a resource server verifies the gateway's access tokens with jose's remote JWKS, from the discovery document alone", async () => {
    const discovery = (await (await fetch(`${base}/.well-known/openid-configuration`)).json()) as { issuer: string; jwks_uri: string; id_token_signing_alg_values_supported: string[] };
    const jwks = createRemoteJWKSet(new URL(discovery.jwks_uri));
    const pair = await registerOperator(t, 'discovered@example.com');
    const { payload, protectedHeader } = await jwtVerify(pair.access_token, jwks, {
      issuer: discovery.issuer,
      audience: 'hydracore',
      algorithms: discovery.id_token_signing_alg_values_supported,
      // The test gateway runs on a hand-moved clock.
      currentDate: t.clock.now(),
    });
    const user = await t.db('users').where({ email_lower: 'discovered@example.com' }).first('id');
    expect(payload).toMatchObject({ sub: user.id, typ: 'access', iss: base, aud: 'hydracore' });
    expect(protectedHeader.alg).toBe('EdDSA');

    // A token signed with another key, even one naming our kid, does not verify.
    const forged = await new SignJWT({ ...payload })
      .setProtectedHeader({ alg: 'EdDSA', kid: protectedHeader.kid })
      .sign(await importPKCS8(ed25519Pem(), 'EdDSA'));
    await expect(jwtVerify(forged, jwks, { issuer: discovery.issuer, currentDate: t.clock.now() })).rejects.toBeInstanceOf(errors.JWSSignatureVerificationFailed);
    // Nor does an expired one.
    await expect(jwtVerify(pair.access_token, jwks, { currentDate: new Date(t.clock.now().getTime() + 31 * 60_000) })).rejects.toBeInstanceOf(errors.JWTExpired);
  });

  it('only GET: another method is 405', async () => {
    const res = await fetch(`${base}/.well-known/openid-configuration`, { method: 'POST' });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toContain('GET');
  });
});

describe(`OIDC discovery with the default HS256 (${engine})`, () => {
  it('says HS256, and the JWKS stays empty: a shared secret is never published', async () => {
    const t = await startTestApp();
    try {
      const res = await t.app.inject({ method: 'GET', url: '/.well-known/openid-configuration' });
      expect(res.json()).toEqual({
        issuer: 'https://id.hydracore.test',
        jwks_uri: 'https://id.hydracore.test/.well-known/jwks.json',
        id_token_signing_alg_values_supported: ['HS256'],
        subject_types_supported: ['public'],
      });
      expect((await t.app.inject({ method: 'GET', url: '/.well-known/jwks.json' })).json()).toEqual({ keys: [] });
    } finally {
      await t.close();
    }
  });
});
