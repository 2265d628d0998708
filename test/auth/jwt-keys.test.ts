import { generateKeyPairSync, createPublicKey, verify } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { JwtError, JwtService } from '../../src/lib/jwt';
import { ManualClock } from '../../src/lib/clock';
import { startTestApp } from '../helpers/app';
import { bearer, registerOperator } from '../helpers/auth';

const clock = new ManualClock(new Date('2026-11-21T12:00:00Z'));
const base = { issuer: 'https://id.example.com', audience: 'hydracore' };
const pem = (type: 'ed25519' | 'ec') =>
  type === 'ed25519'
    ? generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }).toString()
    : generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
const publicPem = (privatePem: string) => createPublicKey(privatePem).export({ format: 'pem', type: 'spki' }).toString();
const claims = { sub: 'u1', typ: 'access', jti: 'j1' };

describe('JWT signing keys', () => {
  it.each([
    ['EdDSA', 'ed25519', 'OKP'],
    ['ES256', 'ec', 'EC'],
  ] as const)('%s tokens verify with the public key published in the JWKS', (algorithm, type, kty) => {
    const service = new JwtService({ ...base, algorithm, privateKeyPem: pem(type) }, clock);
    const token = service.sign(claims, 60);
    const [header, payload, signature] = token.split('.');
    const jwks = service.jwks();
    expect(jwks.keys).toHaveLength(1);
    const [jwk] = jwks.keys;
    expect(jwk).toMatchObject({ kty, alg: algorithm, use: 'sig', kid: JSON.parse(Buffer.from(header, 'base64url').toString()).kid });
    expect(jwk).not.toHaveProperty('d'); // never the private part
    // What another service would do with only the JWKS:
    const key = createPublicKey({ key: jwk as import('node:crypto').JsonWebKey, format: 'jwk' });
    const data = Buffer.from(`${header}.${payload}`);
    const ok =
      algorithm === 'EdDSA'
        ? verify(null, data, key, Buffer.from(signature, 'base64url'))
        : verify('sha256', data, { key, dsaEncoding: 'ieee-p1363' }, Buffer.from(signature, 'base64url'));
    expect(ok).toBe(true);
    expect(service.verify(token, 'access').sub).toBe('u1');
  });

  it('rotates by kid: tokens of the previous key stay valid while it is listed, and stop after', () => {
    const oldKey = pem('ed25519');
    const newKey = pem('ed25519');
    const before = new JwtService({ ...base, algorithm: 'EdDSA', privateKeyPem: oldKey }, clock);
    const oldToken = before.sign(claims, 600);
    const during = new JwtService({ ...base, algorithm: 'EdDSA', privateKeyPem: newKey, previousPublicKeyPems: [publicPem(oldKey)] }, clock);
    expect(during.verify(oldToken, 'access').sub).toBe('u1');
    expect(during.jwks().keys).toHaveLength(2);
    const after = new JwtService({ ...base, algorithm: 'EdDSA', privateKeyPem: newKey }, clock);
    expect(() => after.verify(oldToken, 'access')).toThrow(JwtError);
  });

  it('refuses a token whose alg differs from its key (no algorithm confusion)', () => {
    const hs = new JwtService({ ...base, algorithm: 'HS256', secret: 's'.repeat(40) }, clock);
    const token = hs.sign(claims, 60);
    const [header, payload, signature] = token.split('.');
    const forged = `${Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(header, 'base64url').toString()), alg: 'EdDSA' })).toString('base64url')}.${payload}.${signature}`;
    expect(() => hs.verify(forged, 'access')).toThrow('unknown key');
    expect(hs.jwks()).toEqual({ keys: [] }); // a shared secret is never published
  });

  it('refuses a key of the wrong type for the algorithm', () => {
    expect(() => new JwtService({ ...base, algorithm: 'ES256', privateKeyPem: pem('ed25519') }, clock)).toThrow(/needs ec/);
  });

  it('the gateway serves its JWKS and accepts its EdDSA tokens', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jwks-'));
    const file = path.join(dir, 'key.pem');
    fs.writeFileSync(file, pem('ed25519'));
    const t = await startTestApp({ JWT_ALGORITHM: 'EdDSA', JWT_PRIVATE_KEY_FILE: file });
    try {
      const jwks = await t.app.inject({ method: 'GET', url: '/.well-known/jwks.json' });
      expect(jwks.statusCode).toBe(200);
      expect(jwks.json().keys[0]).toMatchObject({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA' });
      const pair = await registerOperator(t, 'keys@example.com');
      expect(JSON.parse(Buffer.from(pair.access_token.split('.')[0], 'base64url').toString()).alg).toBe('EdDSA');
      expect((await t.app.inject({ method: 'GET', url: '/auth/me', headers: bearer(pair.access_token) })).statusCode).toBe(200);
    } finally {
      await t.close();
      fs.rmSync(dir, { recursive: true });
    }
  });
});
