import { Field, ID, Int, ObjectType } from 'type-graphql';

@ObjectType({ simpleResolvers: true })
export class ApiKeyType {
  @Field(() => ID)
  id!: string;

  @Field(() => ID)
  tenantId!: string;

  @Field()
  name!: string;

  @Field({ description: 'The visible start of the key, to recognise it in lists.' })
  prefix!: string;

  @Field(() => Int, { nullable: true, description: "The key's own request budget per minute (null: the configured default)." })
  requestsPerMinute!: number | null;

  @Field()
  createdAt!: Date;

  @Field(() => Date, { nullable: true })
  lastUsedAt!: Date | null;

  @Field(() => Date, { nullable: true })
  revokedAt!: Date | null;
}

@ObjectType({ simpleResolvers: true })
export class CreatedApiKey {
  @Field({ description: 'The key itself: shown this once, stored only as a hash.' })
  key!: string;

  @Field(() => ApiKeyType)
  apiKey!: ApiKeyType;
}

@ObjectType({ simpleResolvers: true })
export class AuditEvent {
  @Field(() => ID)
  id!: string;

  @Field()
  action!: string;

  @Field({ description: 'user, customer, api_key or system' })
  actorKind!: string;

  @Field(() => String, { nullable: true })
  actorId!: string | null;

  @Field(() => String, { nullable: true })
  targetKind!: string | null;

  @Field(() => String, { nullable: true })
  targetId!: string | null;

  @Field(() => String, { nullable: true, description: 'What changed, as a JSON object (e.g. a membership change: `{"oldRole":"admin","newRole":"owner"}`).' })
  details!: string | null;

  @Field(() => String, { nullable: true })
  ip!: string | null;

  @Field(() => String, { nullable: true })
  requestId!: string | null;

  @Field()
  createdAt!: Date;
}
