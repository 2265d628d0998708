import { Length, Max, MaxLength, Min } from 'class-validator';
import { Field, InputType, Int } from 'type-graphql';
import { IsEmailAddress } from '../../validation/decorators';

/** CONTRACT section 4 (signup and customer auth): field order is the legacy model order. */
@InputType()
export class SignupInput {
  @Field()
  @Length(1, 200)
  companyName!: string;

  @Field()
  @IsEmailAddress()
  email!: string;

  @Field({ defaultValue: 'starter' })
  @MaxLength(50)
  plan!: string;

  @Field()
  @Length(1, 100)
  tenantSlug!: string;
}

/**
 * Not `extends CustomerLoginInput`: inherited fields would come first, and the legacy model
 * order (code, email, tenant_slug) is the order of the 422 list.
 */
@InputType()
export class CustomerCodeInput {
  @Field()
  @Length(6, 6)
  code!: string;

  @Field()
  @IsEmailAddress()
  email!: string;

  @Field()
  @Length(1, 100)
  tenantSlug!: string;
}

@InputType()
export class CustomerLoginInput {
  @Field()
  @IsEmailAddress()
  email!: string;

  @Field()
  @Length(1, 100)
  tenantSlug!: string;
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
