import { Field, Int, ObjectType } from 'type-graphql';

@ObjectType({ simpleResolvers: true, description: 'Parked mail put back in line by `retryFailedMail`.' })
export class MailRetryResult {
  @Field(() => Int, { description: 'How many failed, unexpired messages are pending again, due now.' })
  requeued!: number;
}

@ObjectType({ simpleResolvers: true, description: "How a tenant's mail to its customers looks and who it is from (unset fields: the platform default)." })
export class MailLayoutType {
  @Field()
  tenantSlug!: string;

  @Field(() => String, { nullable: true, description: "The sender's display name; unset: the tenant's name." })
  senderName!: string | null;

  @Field(() => String, { nullable: true, description: "The sender's address; unset: the address of MAIL_FROM." })
  senderAddress!: string | null;

  @Field(() => String, { nullable: true, description: 'An https URL of the logo shown at the top of the HTML part; unset: the name instead.' })
  logoUrl!: string | null;

  @Field(() => String, { nullable: true, description: 'The header colour, `#rrggbb`; unset: the default layout\'s.' })
  primaryColor!: string | null;

  @Field({ description: 'The From header customer mail carries with this layout.' })
  from!: string;
}
