import { createHmac, generateKeyPairSync, createPublicKey, verify } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { JwtError, JwtService } from '../../../src/lib/jwt';
import { ManualClock } from '../../../src/lib/clock';
import { buildApp } from '../../../src/app';
import { startTestApp, testConfig, type TestApp } from '../../helpers/app';
import { engine } from '../../helpers/db';
import { bearer, registerOperator } from '../../helpers/auth';

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

/**
 * Regression: Node's base64url decoder is lenient, so a token with `!!` after its signature,
 * a padded segment, the standard alphabet's `+/` or non-zero trailing bits still verified.
 * Exactly one spelling of each segment is accepted. Each variant below is signed over its own
 * text with the gateway's secret, and the same token spelled canonically is accepted, so only
 * the spelling is refused.
 */
describe(`JWT segments are strict base64url (${engine})`, () => {
  let t: TestApp;
  let headerJson: string;
  let payloadJson: string;
  beforeAll(async () => {
    t = await startTestApp();
    const [header, payload] = (await registerOperator(t, 'strict-b64@example.com')).access_token.split('.');
    headerJson = Buffer.from(header, 'base64url').toString('utf8');
    payloadJson = Buffer.from(payload, 'base64url').toString('utf8');
  });
  afterAll(() => t.close());

  type Spelling = 'canonical' | 'padded' | 'standard alphabet' | 'trailing !!' | 'non-zero trailing bits';
  const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  /** The segment spelled this way, or undefined when these bytes cannot show the variant. */
  const spell = (bytes: Buffer, how: Spelling): string | undefined => {
    const canonical = bytes.toString('base64url');
    switch (how) {
      case 'canonical':
        return canonical;
      case 'padded':
        return canonical.length % 4 === 0 ? undefined : canonical + '='.repeat(4 - (canonical.length % 4));
      case 'standard alphabet': {
        const standard = bytes.toString('base64').replace(/=+$/, '');
        return /[+/]/.test(standard) ? standard : undefined;
      }
      case 'trailing !!':
        return `${canonical}!!`;
      case 'non-zero trailing bits': {
        if (canonical.length % 4 === 0) return undefined;
        const last = ALPHABET.indexOf(canonical[canonical.length - 1]);
        return canonical.slice(0, -1) + ALPHABET[last ^ 1]; // the lowest bit is padding
      }
    }
  };
  const sign = (input: string) => createHmac('sha256', t.config.auth.jwt.secret as string).update(input).digest();

  /** A token whose segment `index` is spelled `how` (an ignored filler member varied until it can be). */
  const forge = (index: 0 | 1 | 2, how: Spelling): { variant: string; canonical: string } => {
    // `???` encodes as `Pz8/`: some length of it puts a `/` into the standard spelling.
    const withFiller = (json: string, length: number) => (length === 0 ? json : json.replace(/^\{/, `{"filler":"${'?'.repeat(length)}",`));
    for (let pad = 0; pad < 64; pad += 1) {
      const header = Buffer.from(withFiller(headerJson, index === 0 ? pad : 0));
      const payload = Buffer.from(withFiller(payloadJson, index === 0 ? 0 : pad));
      const build = (spelling: (segment: number, bytes: Buffer) => string | undefined) => {
        const h = spelling(0, header);
        const p = spelling(1, payload);
        if (h === undefined || p === undefined) return undefined;
        const s = spelling(2, sign(`${h}.${p}`));
        return s === undefined ? undefined : `${h}.${p}.${s}`;
      };
      const variant = build((segment, bytes) => spell(bytes, segment === index ? how : 'canonical'));
      if (variant === undefined) continue;
      const canonical = build((_segment, bytes) => spell(bytes, 'canonical')) as string;
      // The variant segment really decodes to the same bytes under a lenient decoder.
      const lenient = (token: string) => Buffer.from(token.split('.')[index], 'base64url').toString('hex');
      expect(lenient(variant)).toBe(lenient(canonical));
      return { variant, canonical };
    }
    throw new Error(`could not spell segment ${index} as ${how}`);
  };

  const restMe = (token: string) => t.app.inject({ method: 'GET', url: '/auth/me', headers: bearer(token) });
  const graphqlMe = (token: string) => t.app.inject({ method: 'POST', url: '/graphql', payload: { query: '{ me { id } }' }, headers: bearer(token) });

  const cases = ([0, 1, 2] as const).flatMap((index) =>
    (['padded', 'standard alphabet', 'trailing !!', 'non-zero trailing bits'] as const).map((how) => [['header', 'payload', 'signature'][index], how, index] as const),
  );
  it.each(cases)('refuses a %s segment spelled with %s: 401 on REST, INVALID_TOKEN on GraphQL', async (_name, how, index) => {
    const { variant, canonical } = forge(index, how);
    expect((await restMe(canonical)).statusCode).toBe(200);
    const rest = await restMe(variant);
    expect(rest.statusCode).toBe(401);
    expect(rest.json()).toEqual({ detail: 'Could not validate credentials' });
    expect(rest.headers['www-authenticate']).toBe('Bearer');
    const gql = (await graphqlMe(variant)).json();
    expect(gql.errors[0].extensions.code).toBe('INVALID_TOKEN');
    expect((await graphqlMe(canonical)).json().data.me.id).toEqual(expect.any(String));
  });
});

/**
 * Regression: the default issuer was `http://localhost:$PORT`, so two processes of one
 * deployment on different ports (same secret, same database, no PUBLIC_URL) refused each
 * other's tokens.
 */
describe(`processes on different ports accept each other's tokens (${engine})`, () => {
  const otherProcess = async (t: TestApp, env: Record<string, string>) => {
    const app = await buildApp({ ...testConfig(env), database: t.config.database }, { db: t.db, clock: t.clock, mailTransport: t.mail, sendMail: false });
    await app.ready();
    return app;
  };

  it('with no PUBLIC_URL, a token from the process on port 8001 is valid on port 8002', async () => {
    const t = await startTestApp({ PORT: '8001', PUBLIC_URL: '' });
    const other = await otherProcess(t, { PORT: '8002', PUBLIC_URL: '' });
    try {
      const pair = await registerOperator(t, 'ports@example.com');
      expect(JSON.parse(Buffer.from(pair.access_token.split('.')[1], 'base64url').toString())).toMatchObject({ iss: 'hydracore', aud: 'hydracore' });
      const me = await other.inject({ method: 'GET', url: '/auth/me', headers: bearer(pair.access_token) });
      expect(me.statusCode).toBe(200);
      expect(me.json().email).toBe('ports@example.com');
    } finally {
      await other.close();
      await t.close();
    }
  });

  it('explicitly different PUBLIC_URLs are different issuers, as before', async () => {
    const t = await startTestApp({ PUBLIC_URL: 'https://a.example.com' });
    const other = await otherProcess(t, { PUBLIC_URL: 'https://b.example.com' });
    try {
      const pair = await registerOperator(t, 'issuers@example.com');
      const me = await other.inject({ method: 'GET', url: '/auth/me', headers: bearer(pair.access_token) });
      expect(me.statusCode).toBe(401);
      expect(me.json()).toEqual({ detail: 'Could not validate credentials' });
    } finally {
      await other.close();
      await t.close();
    }
  });
});
