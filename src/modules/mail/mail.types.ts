import { Field, Int, ObjectType } from 'type-graphql';

@ObjectType({ simpleResolvers: true, description: 'Parked mail put back in line by `retryFailedMail`.' })
export class MailRetryResult {
  @Field(() => Int, { description: 'How many failed, unexpired messages are pending again, due now.' })
  requeued!: number;
}
