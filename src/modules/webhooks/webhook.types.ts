import { Field, ID, Int, ObjectType } from 'type-graphql';

@ObjectType({ simpleResolvers: true })
export class Webhook {
  @Field(() => ID)
  id!: string;

  @Field(() => ID)
  tenantId!: string;

  @Field()
  url!: string;

  @Field(() => [String])
  events!: string[];

  @Field()
  description!: string;

  @Field(() => Date, { nullable: true, description: 'Set when disabled (by updateWebhook, or by the gateway after 3 days of failures).' })
  disabledAt!: Date | null;

  @Field(() => Date, { nullable: true, description: 'Until when the previous secret still signs (second signature), after a rotation.' })
  previousSecretExpiresAt!: Date | null;

  @Field()
  createdAt!: Date;
}

@ObjectType({ simpleResolvers: true })
export class CreatedWebhook {
  @Field(() => ID)
  id!: string;

  @Field({ description: 'The signing secret (`whsec_...`): shown this once.' })
  secret!: string;

  @Field(() => Webhook)
  webhook!: Webhook;
}

@ObjectType({ simpleResolvers: true })
export class RotatedWebhookSecret {
  @Field({ description: 'The new signing secret: shown this once.' })
  secret!: string;

  @Field({ description: 'Until then the old secret signs too (a second signature in webhook-signature).' })
  previousSecretExpiresAt!: Date;
}

@ObjectType({ simpleResolvers: true })
export class WebhookDelivery {
  @Field(() => ID)
  id!: string;

  @Field({ description: 'The webhook-id every attempt of this event carries.' })
  eventId!: string;

  @Field()
  eventType!: string;

  @Field({ description: 'pending, succeeded or failed' })
  status!: string;

  @Field(() => Int)
  attempts!: number;

  @Field(() => Int, { nullable: true })
  responseCode!: number | null;

  @Field(() => String, { nullable: true, description: 'The first 200 characters of the last answer.' })
  responseExcerpt!: string | null;

  @Field(() => String, { nullable: true })
  lastError!: string | null;

  @Field(() => Date, { nullable: true })
  lastAttemptAt!: Date | null;

  @Field(() => Date, { nullable: true, description: 'When the next attempt is due (pending deliveries).' })
  nextAttemptAt!: Date | null;

  @Field()
  createdAt!: Date;
}
