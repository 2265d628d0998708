import { BaseModel } from '../../db/base-model';

export class Tenant extends BaseModel {
  static override tableName = 'tenants';
  static override dateColumns = ['created_at', 'updated_at'];
  id!: string;
  slug!: string;
  name!: string;
  created_at!: Date;
  updated_at!: Date;
}

export class Plan extends BaseModel {
  static override tableName = 'plans';
  static override dateColumns = ['created_at'];
  static override booleanColumns = ['active'];
  static override jsonAttributes = ['features'];
  id!: string;
  tenant_id!: string;
  name!: string;
  description!: string;
  features!: string[];
  price!: string;
  display_order!: number;
  active!: boolean;
  created_at!: Date;
}

export class SharedNode extends BaseModel {
  static override tableName = 'shared_nodes';
  static override dateColumns = ['created_at'];
  id!: string;
  tenant_id!: string | null;
  hostname!: string;
  base_domain!: string;
  capacity!: number;
  used!: number;
  created_at!: Date;
}

export class Instance extends BaseModel {
  static override tableName = 'instances';
  static override dateColumns = ['created_at'];
  id!: string;
  tenant_id!: string;
  node_id!: string;
  customer_id!: string | null;
  slug!: string;
  status!: 'active' | 'suspended';
  created_at!: Date;
}
