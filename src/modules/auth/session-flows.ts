import { authenticate } from '../../graphql/authenticate';
import { requestContext, type GqlContext } from '../../graphql/context';
import { recordAudit } from '../../lib/audit';
import { DomainError } from '../../lib/errors';
import type { Assurance } from '../../lib/assurance';
import type { IssuedRefresh, SessionOrigin, SubjectKind } from '../../db/sessions';

/** A session started by this request: its device, and the factors its person just proved. */
export function sessionOrigin(ctx: GqlContext, assurance: Assurance): SessionOrigin {
  return { assurance, userAgent: ctx.userAgent, ip: ctx.ip };
}

/**
 * The refresh and logout flows operators and customers share: they differ in data (the
 * subject kind and its token lifetime), not in mechanism.
 */
export async function rotateRefreshToken(ctx: GqlContext, refreshToken: string, kind: SubjectKind): Promise<IssuedRefresh> {
  const ttl = kind === 'user' ? ctx.config.auth.operatorRefreshTtlSeconds : ctx.config.auth.customerRefreshTtlSeconds;
  const rotated = await ctx.sessions.rotate(refreshToken, kind, ttl);
  if (rotated.ok) {
    ctx.metrics.refresh(rotated.grace ? 'grace' : 'rotated');
    return rotated.issued;
  }
  ctx.metrics.refresh(rotated.reason === 'reused' ? 'reuse' : 'invalid');
  if (rotated.reason === 'reused') {
    ctx.log.warn({ requestId: ctx.requestId, kind, sessionId: rotated.sessionId }, 'refresh token reuse detected: session revoked');
    await recordAudit(requestContext(ctx), ctx.db, { tenantId: null, action: 'refresh.reuse_detected', targetKind: 'session', targetId: rotated.sessionId });
  }
  throw new DomainError('INVALID_REFRESH_TOKEN');
}

/** Ends the session of the refresh token, or else of the access token. Never fails. */
export async function endSession(ctx: GqlContext, refreshToken: string, kind: SubjectKind): Promise<true> {
  let sessionId: string | undefined;
  if (refreshToken !== '') {
    sessionId = await ctx.sessions.revokeByToken(refreshToken, kind);
  } else {
    const principal = await authenticate(ctx, [kind === 'user' ? 'operator' : 'customer']).catch(() => undefined);
    if (principal?.kind === 'operator' || principal?.kind === 'customer') {
      sessionId = principal.sessionId;
      await ctx.sessions.revokeSession(sessionId, 'logout');
    }
  }
  if (sessionId) await recordAudit(requestContext(ctx), ctx.db, { tenantId: null, action: 'session.revoked', targetKind: 'session', targetId: sessionId });
  return true;
}
