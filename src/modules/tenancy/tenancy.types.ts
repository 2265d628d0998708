import { Field, ID, Int, ObjectType } from 'type-graphql';
import { CustomerType } from '../customer-auth/customer.types';
import { MemberRole } from './member-role';

@ObjectType({ simpleResolvers: true, description: 'A plan as shown on the public signup page.' })
export class PublicPlan {
  @Field()
  description!: string;

  @Field(() => [String])
  features!: string[];

  @Field()
  name!: string;

  @Field()
  price!: string;
}

@ObjectType('Tenant', { simpleResolvers: true })
export class TenantType {
  @Field(() => ID)
  id!: string;

  @Field()
  slug!: string;

  @Field()
  name!: string;

  @Field()
  createdAt!: Date;
}

@ObjectType('Plan', { simpleResolvers: true })
export class PlanType extends PublicPlan {
  @Field(() => ID)
  id!: string;

  @Field(() => Int)
  displayOrder!: number;

  @Field()
  active!: boolean;
}

@ObjectType('SharedNode', { simpleResolvers: true })
export class SharedNodeType {
  @Field(() => ID)
  id!: string;

  @Field(() => ID, { nullable: true, description: 'Null for the global pool.' })
  tenantId!: string | null;

  @Field()
  hostname!: string;

  @Field()
  baseDomain!: string;

  @Field(() => Int)
  capacity!: number;

  @Field(() => Int)
  used!: number;

  @Field(() => Int)
  free!: number;
}

@ObjectType('Instance', { simpleResolvers: true })
export class InstanceType {
  @Field(() => ID)
  id!: string;

  @Field(() => ID)
  tenantId!: string;

  @Field(() => ID)
  nodeId!: string;

  @Field()
  slug!: string;

  @Field()
  siteUrl!: string;

  @Field()
  status!: string;

  @Field()
  createdAt!: Date;
}

@ObjectType({ simpleResolvers: true })
export class Membership {
  @Field(() => ID)
  userId!: string;

  @Field()
  email!: string;

  @Field(() => MemberRole)
  role!: MemberRole;
}

@ObjectType({ simpleResolvers: true })
export class CustomerPage {
  @Field(() => [CustomerType])
  nodes!: CustomerType[];

  @Field({ nullable: true })
  endCursor?: string;

  @Field()
  hasNextPage!: boolean;
}
