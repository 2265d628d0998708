import { createHash, createHmac, createPrivateKey, createPublicKey, sign as cryptoSign, timingSafeEqual, verify as cryptoVerify, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Clock } from './clock';

/**
 * Compact JWS (RFC 7515) signing and verification with node:crypto only: HS256 with a
 * shared secret (the default), or EdDSA (Ed25519) / ES256 with a private key whose public
 * half is published as a JWKS, so other services can verify tokens without our secret.
 *
 * Keys are chosen by `kid`, never by the token's own `alg`: a token must name a key we
 * hold, and its `alg` must be that key's algorithm (no algorithm confusion, no `none`).
 * Rotation: sign with the current key, keep accepting (and publishing) previous ones.
 */
export type JwtAlgorithm = 'HS256' | 'EdDSA' | 'ES256';

export interface JwtKeyConfig {
  algorithm: JwtAlgorithm;
  /** HS256: the current secret. */
  secret?: string;
  /** HS256: secrets still accepted while tokens signed with them expire. */
  previousSecrets?: string[];
  /** EdDSA / ES256: PEM of the current private key. */
  privateKeyPem?: string;
  /** EdDSA / ES256: PEMs of previous public keys, still accepted and published. */
  previousPublicKeyPems?: string[];
  issuer: string;
  audience: string;
}

interface VerificationKey {
  kid: string;
  alg: JwtAlgorithm;
  verify(data: Buffer, signature: Buffer): boolean;
  jwk?: Record<string, unknown>;
}

interface SigningKey extends VerificationKey {
  sign(data: Buffer): Buffer;
}

export type JwtClaims = Record<string, unknown> & { sub: string; typ: string; exp: number; iat: number; jti: string };

export class JwtError extends Error {
  constructor(
    message: string,
    /** Set when a valid token is of another kind than asked for: the token's own `typ`. */
    readonly tokenType?: string,
  ) {
    super(message);
  }
}

const b64url = (data: Buffer | string): string => Buffer.from(data).toString('base64url');

/**
 * A token segment in the one encoding JWS allows (RFC 7515 section 2): base64url without
 * padding. Node's decoder is lenient (it skips stray characters, accepts padding and the
 * standard alphabet's `+/`, ignores non-zero trailing bits), so many spellings would verify
 * as the same token; only the text that re-encodes to itself is accepted.
 */
function decodeSegment(segment: string): Buffer {
  const bytes = Buffer.from(segment, 'base64url');
  if (!/^[A-Za-z0-9_-]*$/.test(segment) || bytes.toString('base64url') !== segment) throw new JwtError('malformed');
  return bytes;
}

function hmacKey(secret: string): SigningKey {
  const key = Buffer.from(secret, 'utf8');
  const mac = (data: Buffer) => createHmac('sha256', key).update(data).digest();
  return {
    // The kid of a secret reveals nothing about it: a truncated digest of a digest.
    kid: createHash('sha256').update(createHash('sha256').update(key).digest()).digest('base64url').slice(0, 16),
    alg: 'HS256',
    sign: mac,
    verify: (data, signature) => {
      const expected = mac(data);
      return expected.length === signature.length && timingSafeEqual(expected, signature);
    },
  };
}

/** RFC 7638 thumbprint: a stable kid derived from the public key itself. */
function thumbprint(jwk: Record<string, unknown>): string {
  const members = jwk.kty === 'OKP' ? { crv: jwk.crv, kty: jwk.kty, x: jwk.x } : { crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y };
  return createHash('sha256').update(JSON.stringify(members)).digest('base64url');
}

function publicKey(publicKeyObject: KeyObject, alg: JwtAlgorithm): VerificationKey {
  const exported = publicKeyObject.export({ format: 'jwk' }) as Record<string, unknown>;
  const kid = thumbprint(exported);
  const jwk = { ...exported, kid, alg, use: 'sig' };
  return {
    kid,
    alg,
    jwk,
    verify: (data, signature) =>
      alg === 'EdDSA'
        ? cryptoVerify(null, data, publicKeyObject, signature)
        : cryptoVerify('sha256', data, { key: publicKeyObject, dsaEncoding: 'ieee-p1363' }, signature),
  };
}

const KEY_TYPES = { EdDSA: 'ed25519', ES256: 'ec' } as const;

/**
 * Why a PEM cannot be this algorithm's private (signing) or public (verification) key, or
 * undefined when it can: the config reads key files with this, so a bad one stops the start
 * with its variable's name instead of a stack trace from the first signature.
 */
export function keyProblem(pem: string, use: 'private' | 'public', alg: Exclude<JwtAlgorithm, 'HS256'>): string | undefined {
  let key: KeyObject;
  try {
    key = use === 'private' ? createPrivateKey(pem) : createPublicKey(pem);
  } catch (error) {
    return `is not a PEM ${use} key (${(error as Error).message})`;
  }
  if (key.asymmetricKeyType !== KEY_TYPES[alg]) return `holds a key of type ${key.asymmetricKeyType}, but JWT_ALGORITHM=${alg} needs ${KEY_TYPES[alg]}`;
  if (alg === 'ES256' && key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') return `holds an EC key on ${key.asymmetricKeyDetails?.namedCurve}, but ES256 needs P-256`;
  return undefined;
}

function asymmetricKey(privatePem: string, alg: JwtAlgorithm): SigningKey {
  const privateKey = createPrivateKey(privatePem);
  const expectedType = alg === 'EdDSA' ? 'ed25519' : 'ec';
  if (privateKey.asymmetricKeyType !== expectedType) {
    throw new Error(`JWT_PRIVATE_KEY_FILE holds a ${privateKey.asymmetricKeyType} key, but JWT_ALGORITHM=${alg} needs ${expectedType}`);
  }
  const verification = publicKey(createPublicKey(privateKey), alg);
  return {
    ...verification,
    sign: (data) =>
      alg === 'EdDSA' ? cryptoSign(null, data, privateKey) : cryptoSign('sha256', data, { key: privateKey, dsaEncoding: 'ieee-p1363' }),
  };
}

/** Tokens whose signature was checked, kept in memory (the oldest go first). */
const VERIFIED_TOKENS_KEPT = 10_000;

export class JwtService {
  private readonly signing: SigningKey;
  private readonly keys = new Map<string, VerificationKey>();
  /** Token → its claims, for tokens whose time-independent checks passed. */
  private readonly verified = new Map<string, JwtClaims>();

  constructor(
    private readonly config: JwtKeyConfig,
    private readonly clock: Clock,
  ) {
    if (config.algorithm === 'HS256') {
      if (!config.secret) throw new Error('HS256 needs a secret');
      this.signing = hmacKey(config.secret);
      for (const previous of config.previousSecrets ?? []) this.addKey(hmacKey(previous));
    } else {
      if (!config.privateKeyPem) throw new Error(`${config.algorithm} needs a private key`);
      this.signing = asymmetricKey(config.privateKeyPem, config.algorithm);
      for (const pem of config.previousPublicKeyPems ?? []) this.addKey(publicKey(createPublicKey(pem), config.algorithm));
    }
    this.addKey(this.signing);
  }

  private addKey(key: VerificationKey): void {
    this.keys.set(key.kid, key);
  }

  sign(claims: Record<string, unknown> & { sub: string; typ: string; jti: string }, ttlSeconds: number): string {
    const iat = Math.floor(this.clock.now().getTime() / 1000);
    const header = { alg: this.signing.alg, typ: 'JWT', kid: this.signing.kid };
    const payload = { ...claims, iss: this.config.issuer, aud: this.config.audience, iat, exp: iat + ttlSeconds };
    const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`;
    return `${input}.${b64url(this.signing.sign(Buffer.from(input)))}`;
  }

  /** The claims of a valid token of the given `typ` (or one of them), or a JwtError saying why not. */
  verify(token: string, typ: string | readonly string[]): JwtClaims {
    // What does not depend on time (format, key, signature, issuer, audience) is decided once
    // per token: a session's token is checked on every request it makes.
    let claims = this.verified.get(token);
    if (claims === undefined) {
      claims = this.verifySignature(token);
      if (this.verified.size >= VERIFIED_TOKENS_KEPT) this.verified.delete(this.verified.keys().next().value as string);
      this.verified.set(token, claims);
    }
    if (claims.exp <= Math.floor(this.clock.now().getTime() / 1000)) {
      this.verified.delete(token);
      throw new JwtError('expired');
    }
    if (typeof typ === 'string' ? claims.typ !== typ : !typ.includes(claims.typ)) throw new JwtError('wrong kind', claims.typ);
    return claims;
  }

  private verifySignature(token: string): JwtClaims {
    const parts = token.split('.');
    if (parts.length !== 3) throw new JwtError('malformed');
    let header: { alg?: unknown; kid?: unknown };
    let payload: Record<string, unknown>;
    const [headerBytes, payloadBytes, signature] = parts.map(decodeSegment);
    try {
      header = JSON.parse(headerBytes.toString('utf8'));
      payload = JSON.parse(payloadBytes.toString('utf8'));
    } catch {
      throw new JwtError('malformed');
    }
    if (header === null || typeof header !== 'object' || payload === null || typeof payload !== 'object') throw new JwtError('malformed');
    const key = typeof header.kid === 'string' ? this.keys.get(header.kid) : undefined;
    if (!key || header.alg !== key.alg) throw new JwtError('unknown key');
    if (!key.verify(Buffer.from(`${parts[0]}.${parts[1]}`), signature)) throw new JwtError('bad signature');
    if (typeof payload.exp !== 'number') throw new JwtError('expired');
    if (payload.iss !== this.config.issuer || payload.aud !== this.config.audience) throw new JwtError('wrong issuer or audience');
    if (typeof payload.typ !== 'string' || typeof payload.sub !== 'string' || typeof payload.jti !== 'string') throw new JwtError('malformed');
    return Object.freeze(payload) as JwtClaims;
  }

  /**
   * OpenID Connect discovery metadata (`/.well-known/openid-configuration`) for resource
   * servers that verify our access tokens with standard libraries: who issues them (`iss`),
   * where the public keys are, and which algorithms sign them. Only what is true of us: we are
   * a token issuer, not an OpenID Provider (no authorization endpoint, no ID tokens for
   * clients), so no endpoint, response type or grant is advertised (docs/decisions.md).
   * `id_token_signing_alg_values_supported` is the field verifiers read for the algorithms
   * (the discovery spec requires it); `subject_types_supported` is `public`: `sub` is the same
   * account id for every audience.
   */
  openidConfiguration(jwksUri: string): Record<string, unknown> {
    return {
      issuer: this.config.issuer,
      jwks_uri: jwksUri,
      id_token_signing_alg_values_supported: [...new Set([...this.keys.values()].map((key) => key.alg))],
      subject_types_supported: ['public'],
    };
  }

  /** The public keys, for `/.well-known/jwks.json` (empty with HS256: a secret is never published). */
  jwks(): { keys: Array<Record<string, unknown>> } {
    return { keys: [...this.keys.values()].filter((k) => k.jwk).map((k) => k.jwk as Record<string, unknown>) };
  }
}

export function readPem(file: string): string {
  return readFileSync(file, 'utf8');
}
