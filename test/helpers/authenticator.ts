import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';

/**
 * A software WebAuthn authenticator and the browser around it, for tests: it answers the
 * options of `startPasskeyRegistration` / `startPasskeyLogin` with the JSON a browser's
 * `PublicKeyCredential.toJSON()` gives, built by hand from the spec (WebAuthn level 3, 6.1 and
 * 6.5): P-256 keys (COSE ES256), attestation format "none", CBOR encoded here.
 */

/** Minimal CBOR (RFC 8949): what attestation objects and COSE keys need. */
type Cbor = number | string | Uint8Array | Map<Cbor, Cbor>;

function head(major: number, value: number): Buffer {
  if (value < 24) return Buffer.from([(major << 5) | value]);
  if (value < 0x100) return Buffer.from([(major << 5) | 24, value]);
  if (value < 0x10000) return Buffer.from([(major << 5) | 25, value >> 8, value & 0xff]);
  const bytes = Buffer.alloc(5);
  bytes[0] = (major << 5) | 26;
  bytes.writeUInt32BE(value, 1);
  return bytes;
}

export function cbor(value: Cbor): Buffer {
  if (typeof value === 'number') return value >= 0 ? head(0, value) : head(1, -1 - value);
  if (typeof value === 'string') {
    const text = Buffer.from(value, 'utf8');
    return Buffer.concat([head(3, text.length), text]);
  }
  if (value instanceof Uint8Array) return Buffer.concat([head(2, value.length), value]);
  return Buffer.concat([head(5, value.size), ...[...value].flatMap(([k, v]) => [cbor(k), cbor(v)])]);
}

const sha256 = (data: Uint8Array | string): Buffer => createHash('sha256').update(data).digest();
const b64url = (data: Uint8Array): string => Buffer.from(data).toString('base64url');

/** Authenticator data flags (WebAuthn 6.1). */
export const FLAGS = { UP: 0x01, UV: 0x04, BE: 0x08, BS: 0x10, AT: 0x40 } as const;

/** A P-256 key pair, the public half as a COSE key (RFC 9053: EC2, ES256). */
function newKey(): { privateKey: KeyObject; cose: Buffer } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = publicKey.export({ format: 'jwk' });
  const cose = cbor(
    new Map<Cbor, Cbor>([
      [1, 2], // kty: EC2
      [3, -7], // alg: ES256
      [-1, 1], // crv: P-256
      [-2, Buffer.from(jwk.x as string, 'base64url')],
      [-3, Buffer.from(jwk.y as string, 'base64url')],
    ]),
  );
  return { privateKey, cose };
}

export interface StoredCredential {
  id: string;
  privateKey: KeyObject;
  cose: Buffer;
  counter: number;
  userHandle: string;
}

export interface CeremonyOverrides {
  /** The page's origin as the browser reports it in clientDataJSON (default: the authenticator's). */
  origin?: string;
  /** The RP ID whose hash goes into the authenticator data (default: the options' rpId). */
  rpId?: string;
  /** Whether the user was verified (PIN, biometrics): the UV flag (default true). */
  userVerified?: boolean;
  /** The signature counter to report (default: the credential's, incremented when it counts). */
  counter?: number;
  /** clientDataJSON.type (default webauthn.create / webauthn.get). */
  type?: string;
  /** The challenge to answer (default: the options'). */
  challenge?: string;
  /** Which credential to use at sign-in (default: the first the options allow). */
  credentialId?: string;
  /** The userHandle to report at sign-in (default: the credential's). */
  userHandle?: string | null;
  /** Registers this existing credential again (its id and key) instead of making a new one. */
  credential?: StoredCredential;
  /** The length in bytes of a new credential id (default 32). */
  credentialIdBytes?: number;
}

export class SoftwareAuthenticator {
  readonly credentials: StoredCredential[] = [];

  /**
   * @param origin the page the ceremonies run on
   * @param options.countsSignatures a counter that goes up with every use (security keys), or
   *   always 0 (synced passkeys, which WebAuthn allows)
   * @param options.synced the backup flags: eligible and backed up (a synced passkey)
   */
  constructor(
    readonly origin: string,
    readonly options: { countsSignatures?: boolean; synced?: boolean; transports?: string[] } = {},
  ) {}

  private flags(extra: number, userVerified: boolean): number {
    let flags = FLAGS.UP | extra;
    if (userVerified) flags |= FLAGS.UV;
    if (this.options.synced) flags |= FLAGS.BE | FLAGS.BS;
    return flags;
  }

  private clientData(type: string, challenge: string, origin: string): Buffer {
    return Buffer.from(JSON.stringify({ type, challenge, origin, crossOrigin: false }), 'utf8');
  }

  /** `navigator.credentials.create(options)`, as the browser's JSON. */
  create(options: any, overrides: CeremonyOverrides = {}): any {
    const { privateKey, cose } = overrides.credential ?? newKey();
    const credentialId = overrides.credential ? Buffer.from(overrides.credential.id, 'base64url') : randomBytes(overrides.credentialIdBytes ?? 32);
    const counter = overrides.counter ?? (this.options.countsSignatures ? 1 : 0);
    const counterBytes = Buffer.alloc(4);
    counterBytes.writeUInt32BE(counter);
    const idLength = Buffer.alloc(2);
    idLength.writeUInt16BE(credentialId.length);
    const authData = Buffer.concat([
      sha256(overrides.rpId ?? options.rp.id),
      Buffer.from([this.flags(FLAGS.AT, overrides.userVerified ?? true)]),
      counterBytes,
      Buffer.alloc(16), // AAGUID: none
      idLength,
      credentialId,
      cose,
    ]);
    const attestationObject = cbor(new Map<Cbor, Cbor>([['fmt', 'none'], ['attStmt', new Map()], ['authData', authData]]));
    const clientDataJSON = this.clientData(overrides.type ?? 'webauthn.create', overrides.challenge ?? options.challenge, overrides.origin ?? this.origin);
    if (!overrides.credential) this.credentials.push({ id: b64url(credentialId), privateKey, cose, counter, userHandle: options.user.id });
    return {
      id: b64url(credentialId),
      rawId: b64url(credentialId),
      type: 'public-key',
      response: { clientDataJSON: b64url(clientDataJSON), attestationObject: b64url(attestationObject), transports: this.options.transports ?? ['internal'] },
      clientExtensionResults: {},
      authenticatorAttachment: 'platform',
    };
  }

  /** `navigator.credentials.get(options)`, as the browser's JSON; signs with the credential. */
  get(options: any, overrides: CeremonyOverrides = {}): any {
    const allowed: string[] = (options.allowCredentials ?? []).map((c: { id: string }) => c.id);
    const credential =
      overrides.credentialId !== undefined
        ? this.credentials.find((c) => c.id === overrides.credentialId)
        : this.credentials.find((c) => allowed.length === 0 || allowed.includes(c.id));
    if (!credential) throw new Error('the authenticator holds no credential these options allow');
    if (overrides.counter !== undefined) credential.counter = overrides.counter;
    else if (this.options.countsSignatures) credential.counter += 1;
    const counterBytes = Buffer.alloc(4);
    counterBytes.writeUInt32BE(credential.counter);
    const authData = Buffer.concat([sha256(overrides.rpId ?? options.rpId), Buffer.from([this.flags(0, overrides.userVerified ?? true)]), counterBytes]);
    const clientDataJSON = this.clientData(overrides.type ?? 'webauthn.get', overrides.challenge ?? options.challenge, overrides.origin ?? this.origin);
    const signature = sign('sha256', Buffer.concat([authData, sha256(clientDataJSON)]), credential.privateKey);
    const userHandle = overrides.userHandle === undefined ? credential.userHandle : overrides.userHandle;
    return {
      id: credential.id,
      rawId: credential.id,
      type: 'public-key',
      response: { clientDataJSON: b64url(clientDataJSON), authenticatorData: b64url(authData), signature: b64url(signature), ...(userHandle === null ? {} : { userHandle }) },
      clientExtensionResults: {},
      authenticatorAttachment: 'platform',
    };
  }
}
