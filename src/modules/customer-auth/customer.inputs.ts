import { Length } from 'class-validator';
import { Field, InputType } from 'type-graphql';
import { IsEmailAddress } from '../../validation/decorators';

/** CONTRACT section 4 (customer auth): field order is the legacy model order. */

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
