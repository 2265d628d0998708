import { ArrayMaxSize, Length, Matches, Max, MaxLength, Min } from 'class-validator';
import { Field, InputType, Int } from 'type-graphql';
import { IsEmailAddress } from '../../validation/decorators';
import { MemberRole } from './member-role';

/** Lower-case letters, digits and inner hyphens: safe in URLs and DNS labels. */
const SLUG = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/;
/** A DNS name: dot-separated labels of letters, digits and inner hyphens. */
/** A plain amount: digits, and at most two decimals (no currency sign, sign or exponent). */
const PRICE = /^\d+(\.\d{1,2})?$/;
const HOSTNAME = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/;

@InputType({ description: 'A new tenant (hosting brand).' })
export class CreateTenantInput {
  @Field({ description: 'URL-safe identifier, e.g. `acme`.' })
  @Length(1, 100)
  @Matches(SLUG)
  slug!: string;

  @Field()
  @Length(1, 200)
  name!: string;
}

@InputType({ description: 'A plan a tenant sells on its public signup page.' })
export class CreatePlanInput {
  @Field()
  @Length(1, 100)
  tenantSlug!: string;

  @Field()
  @Length(1, 50)
  name!: string;

  @Field({ defaultValue: '' })
  @MaxLength(2000)
  description!: string;

  @Field(() => [String], { defaultValue: [] })
  @ArrayMaxSize(50)
  @Length(1, 200, { each: true })
  features!: string[];

  @Field({ description: 'Display price: an amount with at most two decimals (e.g. `9.99`, `10`), shown as given.' })
  @Length(1, 50)
  @Matches(PRICE)
  price!: string;

  @Field(() => Int, { defaultValue: 0, description: 'Plans are listed by ascending display order.' })
  @Min(0)
  @Max(10_000)
  displayOrder!: number;

  @Field({ defaultValue: true })
  active!: boolean;
}

@InputType({ description: 'A shared hosting node. Without a tenant it joins the global pool.' })
export class AddSharedNodeInput {
  @Field()
  @Length(1, 253)
  @Matches(HOSTNAME)
  hostname!: string;

  @Field({ description: 'Sites on this node are served at `https://<site>.<baseDomain>`.' })
  @Length(1, 253)
  @Matches(HOSTNAME)
  baseDomain!: string;

  @Field(() => Int)
  @Min(0)
  @Max(1_000_000)
  capacity!: number;

  @Field({ nullable: true, description: 'The owning tenant; omit for the global pool.' })
  @Length(1, 100)
  tenantSlug?: string;
}

@InputType({ description: 'A site for a tenant, placed on a shared node.' })
export class CreateInstanceInput {
  @Field()
  @Length(1, 100)
  tenantSlug!: string;

  @Field({ description: 'The site slug; made unique if taken.' })
  @Length(1, 63)
  @Matches(SLUG)
  slug!: string;

  @Field({ nullable: true, description: 'Place on this node; by default the node with the most free capacity.' })
  @Length(1, 253)
  nodeHostname?: string;
}

@InputType({ description: 'An operator of a tenant, by address.' })
export class MemberRefInput {
  @Field()
  @Length(1, 100)
  tenantSlug!: string;

  @Field()
  @IsEmailAddress()
  email!: string;
}

@InputType({ description: 'Gives an operator a role in a tenant (adds them, or changes their role).' })
export class MemberInput extends MemberRefInput {
  @Field(() => MemberRole)
  role!: MemberRole;
}

@InputType()
export class CustomerListInput {
  @Field()
  @Length(1, 100)
  tenantSlug!: string;

  @Field({ nullable: true, description: 'Only customers in this status (pending, active, suspended).' })
  @MaxLength(16)
  status?: string;

  @Field(() => Int, { defaultValue: 50 })
  @Min(1)
  @Max(200)
  first!: number;

  @Field({ nullable: true, description: 'The `endCursor` of the previous page.' })
  @MaxLength(200)
  after?: string;
}
