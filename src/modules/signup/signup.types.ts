import { Field, ID, ObjectType } from 'type-graphql';

@ObjectType({ simpleResolvers: true })
export class SignupResult {
  @Field(() => ID)
  customerId!: string;

  @Field()
  message!: string;

  @Field()
  siteUrl!: string;
}
