import type { Knex } from 'knex';
import type { Db } from '../../db/knex';
import type { Assurance } from '../../lib/assurance';
import type { Passkey } from './passkeys.types';

/**
 * A sign-in with a passkey and user verification: something the person has (the authenticator's
 * key) and something they are or know (the biometric or PIN that unlocked it), so `aal2` on its
 * own (NIST SP 800-63B: a multi-factor cryptographic authenticator). Sign-in refuses an
 * assertion without user verification, so no passkey session is weaker than this.
 */
export const PASSKEY: Assurance = { amr: ['webauthn'], acr: 'aal2' };

/** A stored passkey, as both engines return it (PostgreSQL gives a bigint counter as text). */
export interface PasskeyRow {
  id: string;
  user_id: string;
  credential_id: string;
  public_key: string;
  counter: number | string;
  transports: string;
  device_type: string;
  backed_up: boolean | number;
  name: string;
  created_at: string | Date;
  last_used_at: string | Date | null;
}

export const transportList = (stored: string): string[] => (stored === '' ? [] : stored.split(' '));

export function toPasskey(row: PasskeyRow): Passkey {
  return {
    id: row.id,
    name: row.name,
    createdAt: new Date(row.created_at),
    lastUsedAt: row.last_used_at === null ? null : new Date(row.last_used_at),
    backedUp: Boolean(row.backed_up),
    deviceType: row.device_type,
    transports: transportList(row.transports),
  };
}

/** Whether an operator has a passkey (with TOTP, what makes sensitive operations ask for aal2). */
export async function hasPasskey(db: Db, userId: string): Promise<boolean> {
  return (await db('passkeys').where({ user_id: userId }).first('id')) !== undefined;
}

/** Removes every passkey of an operator and their pending ceremonies (an administrator's factor reset). */
export async function removePasskeysOf(trx: Knex.Transaction, userId: string): Promise<number> {
  await trx('webauthn_challenges').where({ user_id: userId }).delete();
  return trx('passkeys').where({ user_id: userId }).delete();
}
