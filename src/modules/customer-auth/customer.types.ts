import { Field, ID, Int, ObjectType } from 'type-graphql';
import { inWords } from '../../lib/durations';

/** CONTRACT section 3: customer access tokens live 60 minutes. */
export const CUSTOMER_ACCESS_TTL_SECONDS = 3600;

@ObjectType({ simpleResolvers: true, description: `Customer portal tokens. The access token lives ${inWords(CUSTOMER_ACCESS_TTL_SECONDS * 1000)}.` })
export class CustomerTokens {
  @Field()
  accessToken!: string;

  @Field(() => ID)
  customerId!: string;

  @Field(() => Int)
  expiresIn!: number;

  @Field()
  refreshToken!: string;

  @Field(() => ID)
  tenantId!: string;

  @Field()
  tokenType!: string;
}

@ObjectType('Customer', { simpleResolvers: true })
export class CustomerType {
  @Field(() => ID)
  id!: string;

  @Field(() => ID)
  tenantId!: string;

  @Field()
  email!: string;

  @Field()
  companyName!: string;

  @Field()
  plan!: string;

  @Field({ description: 'pending, active or suspended' })
  status!: string;

  @Field({ nullable: true })
  siteUrl?: string;

  @Field()
  createdAt!: Date;
}
