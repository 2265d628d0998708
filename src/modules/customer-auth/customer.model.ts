import { BaseModel } from '../../db/base-model';

export const CUSTOMER_STATUSES = ['pending', 'active', 'suspended'] as const;
export type CustomerStatus = (typeof CUSTOMER_STATUSES)[number];

export class Customer extends BaseModel {
  static override tableName = 'customers';
  static override dateColumns = ['created_at', 'updated_at', 'activated_at'];
  id!: string;
  tenant_id!: string;
  email!: string;
  email_lower!: string;
  company_name!: string;
  plan_id!: string;
  status!: CustomerStatus;
  /** The language of the customer's mail (`en`, `de`, ...; unknown ones get English). */
  locale!: string;
  created_at!: Date;
  updated_at!: Date;
  activated_at!: Date | null;
}
