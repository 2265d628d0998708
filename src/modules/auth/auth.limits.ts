import type { GqlContext } from '../../graphql/context';
import { DomainError } from '../../lib/errors';

/** Per-client-IP limit on the endpoints that send mail on demand. */
export async function limitMailRequests(ctx: GqlContext, action: string): Promise<void> {
  const { mailRequestsPerIp, mailRequestWindowSeconds } = ctx.config.auth;
  const decision = await ctx.limiter.consume(`${action}:ip:${ctx.ip}`, mailRequestsPerIp, mailRequestWindowSeconds);
  if (!decision.allowed) throw new DomainError('RATE_LIMITED', { retryAfter: decision.retryAfterSeconds });
}

