import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** An opaque secret for a link or a refresh token: 256 bits from the CSPRNG, URL-safe. */
export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

/** Tokens are high-entropy, so a fast digest is enough to store them (no salt, no argon2). */
export function sha256Hex(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex');
}

/** Short secrets (6-digit codes) are stored keyed: without the key, the digest reveals nothing. */
export function hmacHex(key: Buffer, value: string): string {
  return createHmac('sha256', key).update(value, 'utf8').digest('hex');
}

export function safeEqualHex(a: string, b: string): boolean {
  const left = Buffer.from(a, 'hex');
  const right = Buffer.from(b, 'hex');
  return left.length === right.length && timingSafeEqual(left, right);
}

/** A uniformly random string of decimal digits (rejection sampling: no modulo bias). */
export function randomDigits(length: number): string {
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < 250 && out.length < length) out += String(byte % 10);
    }
  }
  return out;
}

/**
 * Seals `plaintext` so that only a holder of `secret` (a high-entropy token) can open it:
 * AES-256-GCM under a key derived from the secret for this one purpose.
 */
export function sealWith(secret: string, purpose: string, plaintext: string): string {
  const key = createHash('sha256').update(`${purpose}\u0000${secret}`, 'utf8').digest();
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
}

/** Opens what `sealWith` sealed with the same secret and purpose; undefined if it does not open. */
export function openWith(secret: string, purpose: string, sealed: string): string | undefined {
  const raw = Buffer.from(sealed, 'base64url');
  if (raw.length < 29) return undefined;
  const key = createHash('sha256').update(`${purpose}\u0000${secret}`, 'utf8').digest();
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
    decipher.setAuthTag(raw.subarray(12, 28));
    return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
  } catch {
    return undefined;
  }
}

/** A connection URL fit for a log: its password, if any, replaced by `***` (`postgres://user:***@host:5432/db`). */
export function maskPassword(url: string): string {
  try {
    const parsed = new URL(url);
    // libpq also takes the password as a parameter (`?password=`).
    const inQuery = parsed.searchParams.has('password');
    if (parsed.password === '' && !inQuery) return url;
    if (inQuery) parsed.searchParams.set('password', '***');
    if (parsed.password !== '') parsed.password = 'xxx';
    return parsed.toString().replace(':xxx@', ':***@');
  } catch {
    return url.replace(/\/\/([^:/@]*):[^@]*@/, '//$1:***@');
  }
}
