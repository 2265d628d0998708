import { createHmac, randomBytes } from 'node:crypto';
import { openWith, sealWith } from '../../lib/secrets';

/** A new signing secret: `whsec_` + base64 of 32 random bytes (Standard Webhooks). */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

/** `v1,<base64 HMAC-SHA256 of "id.timestamp.body">` keyed with the decoded secret. */
export function signature(secret: string, id: string, timestamp: number, body: string): string {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  return `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.${body}`, 'utf8').digest('base64')}`;
}

/** The `webhook-signature` header: one signature per secret in use, space-separated. */
export function signatureHeader(secrets: readonly string[], id: string, timestamp: number, body: string): string {
  return secrets.map((secret) => signature(secret, id, timestamp, body)).join(' ');
}

const SEAL_PURPOSE = 'hydracore webhook secret';

/** Signing secrets are sealed at rest under MFA_ENCRYPTION_KEY (the gateway's key for secrets it must read back). */
export function sealSecret(key: Buffer, secret: string): string {
  return sealWith(key.toString('base64'), SEAL_PURPOSE, secret);
}

export function openSecret(key: Buffer, sealed: string): string {
  const secret = openWith(key.toString('base64'), SEAL_PURPOSE, sealed);
  if (secret === undefined) throw new Error('a webhook secret does not open under MFA_ENCRYPTION_KEY');
  return secret;
}
