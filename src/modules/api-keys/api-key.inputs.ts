import { Length, Max, Min } from 'class-validator';
import { Field, InputType, Int } from 'type-graphql';

@InputType()
export class CreateApiKeyInput {
  @Field()
  @Length(1, 100)
  tenantSlug!: string;

  @Field({ defaultValue: 'default' })
  @Length(1, 100)
  name!: string;
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
