import { Field, ID, Int, ObjectType } from 'type-graphql';
import { PinAppliesTo } from './pin.inputs';

@ObjectType({ simpleResolvers: true })
export class PinStatus {
  @Field(() => Date, { nullable: true })
  createdAt!: Date | null;

  @Field()
  hasPin!: boolean;

  @Field({ description: 'A PIN is set and not locked: it can be confirmed now.' })
  isActive!: boolean;

  @Field()
  isLocked!: boolean;

  @Field(() => Date, { nullable: true })
  lockedUntil!: Date | null;
}

@ObjectType('PinPolicy', { simpleResolvers: true })
export class PinPolicyType {
  @Field(() => ID)
  instanceId!: string;

  @Field(() => PinAppliesTo)
  pinAppliesTo!: PinAppliesTo;

  @Field(() => [String])
  pinRequiredSkills!: string[];

  @Field(() => Int)
  pinSessionTtlMinutes!: number;
}

@ObjectType({ simpleResolvers: true, description: 'The outcome of a PIN confirmation for a skill on an instance.' })
export class PinConfirmation {
  @Field({ description: 'The skill may run now.' })
  confirmed!: boolean;

  @Field(() => Date, { nullable: true, description: 'When the PIN session this opened ends.' })
  expiresAt!: Date | null;

  @Field({ description: 'The policy asks this caller for a PIN for this skill.' })
  required!: boolean;
}

@ObjectType({ simpleResolvers: true, description: 'Whether running a skill on an instance needs the PIN right now.' })
export class PinRequirement {
  @Field({ description: 'The policy asks this caller for a PIN for this skill.' })
  policyRequires!: boolean;

  @Field({ description: 'A PIN must be confirmed before the skill runs (no live PIN session).' })
  pinNeededNow!: boolean;

  @Field(() => Date, { nullable: true })
  sessionExpiresAt!: Date | null;
}
