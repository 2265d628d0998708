import { Field, ID, Int, ObjectType } from 'type-graphql';
import { DEFAULT_REFRESH_TOKEN_TTL_DAYS } from '../../config';
import { inWords } from '../../lib/durations';

/** CONTRACT section 3: operator access tokens live 30 minutes. */
export const OPERATOR_ACCESS_TTL_SECONDS = 1800;

@ObjectType({
  simpleResolvers: true,
  description: `Operator tokens. The access token lives ${inWords(OPERATOR_ACCESS_TTL_SECONDS * 1000)}, the refresh token ${inWords(DEFAULT_REFRESH_TOKEN_TTL_DAYS * 86_400_000)} (REFRESH_TOKEN_TTL_DAYS).`,
})
export class TokenPair {
  @Field()
  accessToken!: string;

  @Field()
  emailVerified!: boolean;

  @Field(() => Int)
  expiresIn!: number;

  @Field()
  refreshToken!: string;

  @Field()
  tokenType!: string;
}

@ObjectType({ simpleResolvers: true })
export class Message {
  @Field()
  message!: string;
}

@ObjectType({ simpleResolvers: true })
export class TenantMembership {
  @Field(() => ID)
  id!: string;

  @Field()
  slug!: string;

  @Field()
  name!: string;

  @Field({ description: 'owner, admin or member' })
  role!: string;
}

@ObjectType({ simpleResolvers: true })
export class Operator {
  @Field(() => ID)
  id!: string;

  @Field()
  email!: string;

  @Field()
  emailVerified!: boolean;

  @Field()
  isAdmin!: boolean;

  @Field()
  createdAt!: Date;
}

@ObjectType({ simpleResolvers: true, description: 'The signed-in operator.' })
export class Me extends Operator {
  /** Read only when the operation selects it (`MeResolver.tenants`): `me { id email }` costs no tenant query. */
  @Field(() => [TenantMembership])
  tenants?: readonly TenantMembership[];
}
