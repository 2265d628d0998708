import type { AuthenticatorTransportFuture } from '@simplewebauthn/server';
import { isPostgres, type Db } from '../../db/knex';
import { newId } from '../../lib/ids';

/** The relying party's name, as authenticators show it next to a passkey. */
export const RP_NAME = 'HydraCore';

/** How long a ceremony may take, from its options to its response (and the browser's timeout). */
export const CHALLENGE_TTL_MS = 5 * 60_000;

export type CeremonyPurpose = 'registration' | 'login';

/** The transports WebAuthn defines: what a browser reports beyond them is not stored. */
const TRANSPORTS: ReadonlySet<string> = new Set<AuthenticatorTransportFuture>(['ble', 'cable', 'hybrid', 'internal', 'nfc', 'smart-card', 'usb']);

export function knownTransports(transports: readonly unknown[] | undefined): AuthenticatorTransportFuture[] {
  return [...new Set((transports ?? []).filter((t): t is AuthenticatorTransportFuture => typeof t === 'string' && TRANSPORTS.has(t)))];
}

/**
 * The WebAuthn user handle of an operator: their account id. It is no personal data (the
 * spec's requirement), and a discoverable credential hands it back at sign-in, where it must
 * name the passkey's owner.
 */
export function userHandle(userId: string): Uint8Array<ArrayBuffer> {
  return new Uint8Array(Buffer.from(userId, 'utf8'));
}

export const userHandleText = (userId: string): string => Buffer.from(userId, 'utf8').toString('base64url');

export const isRecord = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value);

/** Challenges are 32 random bytes (43 base64url characters); anything far off is not one of ours. */
const CHALLENGE_SHAPE = /^[A-Za-z0-9_-]{16,128}$/;

/**
 * The challenge a ceremony's response answers, read from its `clientDataJSON` (the browser
 * writes it there, and the authenticator signs over it), or undefined when the response is not
 * shaped like one. It is only a lookup key: @simplewebauthn/server checks the rest.
 */
export function challengeOf(response: unknown): string | undefined {
  if (!isRecord(response) || !isRecord(response.response)) return undefined;
  const encoded = response.response.clientDataJSON;
  if (typeof encoded !== 'string' || encoded.length > 4096) return undefined;
  try {
    const clientData: unknown = JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8'));
    const challenge = isRecord(clientData) ? clientData.challenge : undefined;
    return typeof challenge === 'string' && CHALLENGE_SHAPE.test(challenge) ? challenge : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Keeps a ceremony's challenge for `CHALLENGE_TTL_MS`, bound to its purpose (and, for a
 * registration, to the operator). Expired challenges are cleared on the way, so the table
 * holds at most a few minutes of ceremonies.
 *
 * A registration replaces the operator's pending one: each operator has at most one
 * registration challenge, so repeated starts (limited per account, but each a row) cannot
 * pile rows up. Two starts at once are serialised on the operator's row (PostgreSQL locks it;
 * SQLite runs one transaction at a time), so the later one always sees the earlier one's row
 * and removes it. The earlier options stop working: a ceremony left open in another tab fails
 * with PASSKEY_INVALID, and starting again there is the way on.
 */
export async function storeChallenge(db: Db, challenge: string, purpose: CeremonyPurpose, userId: string | null, now: Date): Promise<void> {
  await db('webauthn_challenges').where('expires_at', '<=', now.toISOString()).delete();
  const row = {
    id: newId(),
    challenge,
    purpose,
    user_id: userId,
    created_at: now.toISOString(),
    expires_at: new Date(now.getTime() + CHALLENGE_TTL_MS).toISOString(),
  };
  if (userId === null) {
    await db('webauthn_challenges').insert(row);
    return;
  }
  await db.transaction(async (trx) => {
    if (isPostgres(db)) await trx('users').where({ id: userId }).forUpdate().first('id');
    await trx('webauthn_challenges').where({ purpose, user_id: userId }).delete();
    await trx('webauthn_challenges').insert(row);
  });
}

/**
 * Uses up a challenge: true for exactly one caller, and only while it is unexpired and was
 * issued for this purpose (and this operator). One conditional DELETE: of two responses to one
 * challenge, sent at once, one wins. A challenge is used up whatever the verification that
 * follows decides, so a refused response cannot be retried against it.
 */
export async function consumeChallenge(db: Db, challenge: string, purpose: CeremonyPurpose, userId: string | null, now: Date): Promise<boolean> {
  const query = db('webauthn_challenges').where({ challenge, purpose }).andWhere('expires_at', '>', now.toISOString());
  const deleted = await (userId === null ? query.whereNull('user_id') : query.andWhere('user_id', userId)).delete();
  return deleted === 1;
}
