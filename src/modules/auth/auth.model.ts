import { BaseModel } from '../../db/base-model';

export class User extends BaseModel {
  static override tableName = 'users';
  static override dateColumns = ['created_at', 'updated_at'];
  static override booleanColumns = ['email_verified', 'is_admin'];
  id!: string;
  email!: string;
  email_lower!: string;
  password_hash!: string;
  email_verified!: boolean;
  is_admin!: boolean;
  created_at!: Date;
  updated_at!: Date;
}
