import { Arg, Authorized, Ctx, ID, Int, Mutation, Query, Resolver } from 'type-graphql';
import { Role } from '../../graphql/auth-checker';
import { requestContext, type GqlContext } from '../../graphql/context';
import type { SubjectKind } from '../../db/sessions';
import { recordAudit, recordAuditEvents } from '../../lib/audit';
import { DomainError } from '../../lib/errors';
import { SessionType } from './sessions.types';
import { emitEvent } from '../webhooks/events';
import type { Knex } from 'knex';

/** Whose sessions an operation is about: always the caller's own, never an argument. */
interface Person {
  kind: SubjectKind;
  id: string;
  sessionId: string;
  /** A customer's tenant: their revocations go to that tenant's audit log. */
  tenantId: string | null;
}

/**
 * The signed-in person (the roles let only an operator's or a customer's token through, and
 * the CLI's system context, which has no sessions of its own).
 */
function signedIn(ctx: GqlContext, kind: SubjectKind): Person {
  const { principal } = ctx;
  if (kind === 'user' && principal.kind === 'operator') return { kind, id: principal.userId, sessionId: principal.sessionId, tenantId: null };
  if (kind === 'customer' && principal.kind === 'customer') return { kind, id: principal.customerId, sessionId: principal.sessionId, tenantId: principal.tenantId };
  throw new DomainError('PERSON_TOKEN_REQUIRED');
}

async function listSessions(ctx: GqlContext, person: Person): Promise<SessionType[]> {
  const sessions = await ctx.sessions.live(person.kind, person.id);
  return sessions.map((session) => ({
    id: session.id,
    current: session.id === person.sessionId,
    createdAt: session.createdAt,
    lastUsedAt: session.lastUsedAt,
    userAgent: session.userAgent,
    ipAddress: session.ip,
  }));
}

/**
 * Someone else's session, a session of the other kind of person, an unknown, revoked or
 * expired one: all `false`, so an id reveals nothing, and a retry or two tabs revoking the
 * same device are not errors (docs/security.md, "Sessions").
 */
/**
 * A customer's revoked sessions, as the tenant's events (an operator's sessions belong to no
 * tenant: no event). Ids only: which person, which session.
 */
async function emitSessionRevoked(ctx: GqlContext, trx: Knex.Transaction, person: Person, sessionIds: readonly string[]): Promise<void> {
  if (person.kind !== 'customer' || person.tenantId === null) return;
  for (const sessionId of sessionIds) await emitEvent(trx, ctx.clock, person.tenantId, 'session.revoked', { customerId: person.id, sessionId });
}

async function revokeOne(ctx: GqlContext, person: Person, sessionId: string): Promise<boolean> {
  return ctx.db.transaction(async (trx) => {
    const revoked = await ctx.sessions.revokeOwn(trx, person.kind, person.id, sessionId, 'user');
    if (revoked) await recordAudit(requestContext(ctx), trx, { tenantId: person.tenantId, action: 'session.revoked', targetKind: 'session', targetId: sessionId, details: { reason: 'user', current: sessionId === person.sessionId } });
    if (revoked) await emitSessionRevoked(ctx, trx, person, [sessionId]);
    return revoked;
  });
}

async function revokeOthers(ctx: GqlContext, person: Person): Promise<number> {
  return ctx.db.transaction(async (trx) => {
    const revoked = await ctx.sessions.revokeOthers(trx, person.kind, person.id, person.sessionId, 'others');
    const events = revoked.map((sessionId) => ({ tenantId: person.tenantId, action: 'session.revoked' as const, targetKind: 'session', targetId: sessionId, details: { reason: 'others' } }));
    await recordAuditEvents(requestContext(ctx), trx, events);
    await emitSessionRevoked(ctx, trx, person, revoked);
    return revoked.length;
  });
}

/**
 * Sessions per device (issue 18, item 1): a person lists where they are signed in and ends
 * any of those sessions. People only: an API key acts for a tenant, it has no sessions
 * (`PERSON_TOKEN_REQUIRED`); an operator's token is refused by the portal's operations and the
 * reverse. Revoking takes effect at once: every request checks its token's session, and
 * mutations empty this process's auth cache when they finish (others hear it from PostgreSQL).
 */
@Resolver()
export class SessionsResolver {
  @Authorized(Role.Operator)
  @Query(() => [SessionType], { description: 'Your live sessions (signed-in devices), newest first; `current` is the one asking.' })
  async mySessions(@Ctx() ctx: GqlContext): Promise<SessionType[]> {
    return listSessions(ctx, signedIn(ctx, 'user'));
  }

  @Authorized(Role.Operator)
  @Mutation(() => Boolean, {
    description: 'Ends one of your sessions (its access and refresh tokens stop working at once). False when there is no such live session of yours.',
  })
  async revokeSession(@Arg('id', () => ID) id: string, @Ctx() ctx: GqlContext): Promise<boolean> {
    return revokeOne(ctx, signedIn(ctx, 'user'), id);
  }

  @Authorized(Role.Operator)
  @Mutation(() => Int, { description: 'Ends all your live sessions but the current one; answers how many it ended.' })
  async revokeOtherSessions(@Ctx() ctx: GqlContext): Promise<number> {
    return revokeOthers(ctx, signedIn(ctx, 'user'));
  }

  @Authorized(Role.Customer)
  @Query(() => [SessionType], { description: 'The signed-in customer\'s live sessions (portal token), newest first; `current` is the one asking.' })
  async portalSessions(@Ctx() ctx: GqlContext): Promise<SessionType[]> {
    return listSessions(ctx, signedIn(ctx, 'customer'));
  }

  @Authorized(Role.Customer)
  @Mutation(() => Boolean, {
    description: "Ends one of the signed-in customer's sessions (its tokens stop working at once). False when there is no such live session of theirs.",
  })
  async revokePortalSession(@Arg('id', () => ID) id: string, @Ctx() ctx: GqlContext): Promise<boolean> {
    return revokeOne(ctx, signedIn(ctx, 'customer'), id);
  }

  @Authorized(Role.Customer)
  @Mutation(() => Int, { description: "Ends all the signed-in customer's live sessions but the current one; answers how many it ended." })
  async revokeOtherPortalSessions(@Ctx() ctx: GqlContext): Promise<number> {
    return revokeOthers(ctx, signedIn(ctx, 'customer'));
  }
}
