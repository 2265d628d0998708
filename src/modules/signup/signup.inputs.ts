import { Length, MaxLength } from 'class-validator';
import { Field, InputType } from 'type-graphql';
import { IsEmailAddress } from '../../validation/decorators';

/** CONTRACT section 4 (signup): field order is the legacy model order. */
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
