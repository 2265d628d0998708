import type { GqlContext } from '../../graphql/context';

/**
 * Counts one change to an operator's second factors toward `factorChangesPerAccount`
 * (`RATE_LIMITED` beyond it). Most such changes mail a notice through the outbox every
 * account shares, and its sender is first in, first out: without a bound, one account (or a
 * stolen session of it) could queue enough notices to make other people's 10-minute codes
 * expire while they wait. Keyed by the account, and taken inside each operation, so parallel
 * requests and aliases count one by one.
 */
export async function takeFactorChange(ctx: GqlContext, userId: string): Promise<void> {
  await ctx.limits.take('factorChangesPerAccount', `user:${userId}`);
}
