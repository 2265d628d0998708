import type { Knex } from 'knex';
import { BaseModel } from '../../db/base-model';

export type PinSubjectKind = 'user' | 'customer';

/** CONTRACT section 4: 5 wrong PINs in a row lock the PIN for 15 minutes. */
export const PIN_MAX_FAILURES = 5;
export const PIN_LOCK_MS = 15 * 60_000;

/**
 * Removes a person's PIN and open PIN sessions: their account is being deleted. (`pins` and
 * `pin_sessions` name their subject by kind and id, with no foreign key to cascade from.)
 */
export async function deletePinsOf(trx: Knex.Transaction, kind: PinSubjectKind, subjectId: string): Promise<void> {
  await trx('pins').where({ subject_kind: kind, subject_id: subjectId }).delete();
  await trx('pin_sessions').where({ subject_kind: kind, subject_id: subjectId }).delete();
}

export class Pin extends BaseModel {
  static override tableName = 'pins';
  static override dateColumns = ['locked_until', 'created_at', 'updated_at'];
  id!: string;
  subject_kind!: PinSubjectKind;
  subject_id!: string;
  pin_hash!: string;
  failed_attempts!: number;
  locked_until!: Date | null;
  created_at!: Date;
  updated_at!: Date;
}

export class PinPolicy extends BaseModel {
  static override tableName = 'pin_policies';
  static override idColumn = 'instance_id';
  static override dateColumns = ['updated_at'];
  static override jsonAttributes = ['pin_required_skills'];
  instance_id!: string;
  pin_applies_to!: 'all' | 'owner' | 'customer';
  pin_required_skills!: string[];
  pin_session_ttl_minutes!: number;
  updated_at!: Date;
}
