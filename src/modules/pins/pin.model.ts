import { BaseModel } from '../../db/base-model';

export type PinSubjectKind = 'user' | 'customer';

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
