import { Length, Max, Min } from 'class-validator';
import { Field, InputType, Int } from 'type-graphql';
import { LIMITS } from '../../lib/limits';

@InputType()
export class CreateApiKeyInput {
  @Field()
  @Length(1, 100)
  tenantSlug!: string;

  @Field({ defaultValue: 'default' })
  @Length(1, 100)
  name!: string;

  @Field(() => Int, { nullable: true, description: `This key's request budget per minute; unset: ${LIMITS.apiKeyRequests.env} (${LIMITS.apiKeyRequests.limit} by default).` })
  @Min(1)
  @Max(1_000_000)
  requestsPerMinute?: number;
}

@InputType()
export class AuditQueryInput {
  @Field()
  @Length(1, 100)
  tenantSlug!: string;

  @Field(() => Int, { defaultValue: 50 })
  @Min(1)
  @Max(500)
  first!: number;
}
