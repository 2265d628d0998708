import type { GqlContext } from '../../graphql/context';

/** Per-client-IP limit on the endpoints that send mail on demand. */
export async function limitMailRequests(ctx: GqlContext, action: string): Promise<void> {
  await ctx.limits.take('mailRequestsPerIp', `${action}:${ctx.ip}`);
}

