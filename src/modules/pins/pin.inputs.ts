import { ArrayMaxSize, Length, Matches, Max, MaxLength, Min } from 'class-validator';
import { Field, InputType, Int, registerEnumType } from 'type-graphql';

/** Who a PIN policy applies to: everyone, the tenant's side (operators, API keys) or the customer. */
export enum PinAppliesTo {
  all = 'all',
  owner = 'owner',
  customer = 'customer',
}
registerEnumType(PinAppliesTo, { name: 'PinAppliesTo' });

/** CONTRACT section 4: `^\d{4,8}$` (ASCII digits only, see docs/decisions.md). */
const PIN = /^\d{4,8}$/;

@InputType()
export class SetPinInput {
  @Field()
  @Matches(PIN)
  pin!: string;
}

@InputType({ description: "The signed-in operator's own PIN. Replacing an existing PIN needs the account password." })
export class SetMyPinInput {
  @Field()
  @Matches(PIN)
  pin!: string;

  @Field({ nullable: true, description: 'The account password: required when a PIN is already set (a stolen access token alone must not replace it).' })
  @MaxLength(128)
  currentPassword?: string;
}

@InputType()
export class RemoveMyPinInput {
  @Field({ description: 'The account password.' })
  @Length(1, 128)
  currentPassword!: string;
}

@InputType({ description: 'Only the given fields change.' })
export class PinPolicyPatchInput {
  @Field(() => PinAppliesTo, { nullable: true })
  pinAppliesTo?: PinAppliesTo;

  @Field(() => [String], { nullable: true })
  @ArrayMaxSize(100)
  @Length(1, 100, { each: true })
  pinRequiredSkills?: string[];

  @Field(() => Int, { nullable: true })
  @Min(1)
  @Max(1440)
  pinSessionTtlMinutes?: number;
}

@InputType()
export class ConfirmPinInput {
  @Field()
  @Matches(PIN)
  pin!: string;

  @Field()
  @Length(1, 100)
  skill!: string;
}
