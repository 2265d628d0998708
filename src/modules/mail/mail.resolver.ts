import { Authorized, Ctx, Mutation, Resolver } from 'type-graphql';
import { Role } from '../../graphql/auth-checker';
import type { GqlContext } from '../../graphql/context';
import { MailRetryResult } from './mail.types';

@Resolver()
export class MailResolver {
  @Authorized(Role.PlatformAdmin)
  @Mutation(() => MailRetryResult, { description: 'Re-drives parked mail: every `failed` outbox message that has not expired becomes pending, due now.' })
  async retryFailedMail(@Ctx() ctx: GqlContext): Promise<MailRetryResult> {
    return { requeued: await ctx.outbox.retryFailed(ctx.db) };
  }
}
