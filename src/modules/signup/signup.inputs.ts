import { Length, Matches, MaxLength } from 'class-validator';
import { Field, InputType } from 'type-graphql';
import { IsEmailAddress } from '../../validation/decorators';
import { LOCALE } from '../mail/mail.inputs';

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

  /** Added after the legacy model (issue 19): optional, so old callers are unaffected. */
  @Field(() => String, { nullable: true, description: "The language of the customer's mail (`en`, `de`, `de-AT`, ...); unset: English." })
  @Matches(LOCALE)
  locale?: string | null;
}
