import type { Knex } from 'knex';
import type { GqlContext } from '../graphql/context';
import { newId } from './ids';

export type AuditAction =
  | 'pin.set'
  | 'pin.removed'
  | 'pin.locked'
  | 'pin.confirmed'
  | 'api_key.created'
  | 'api_key.revoked'
  | 'login.succeeded'
  | 'login.failed'
  | 'password.reset'
  | 'session.revoked'
  | 'refresh.reuse_detected'
  | 'member.changed'
  | 'member.removed';

/** Who did it, from the caller's principal. */
function actorOf(ctx: GqlContext): { kind: string; id: string | null } {
  const { principal } = ctx;
  switch (principal.kind) {
    case 'operator':
      return { kind: 'user', id: principal.userId };
    case 'customer':
      return { kind: 'customer', id: principal.customerId };
    case 'apiKey':
      return { kind: 'api_key', id: principal.keyId };
    default:
      return { kind: principal.kind, id: null };
  }
}

/** Records an audit event (who, what, when, from where), in the caller's transaction when given. */
export async function recordAudit(
  ctx: GqlContext,
  db: Knex | Knex.Transaction,
  event: { tenantId: string | null; action: AuditAction; targetKind: string; targetId: string; details?: Record<string, unknown> },
): Promise<void> {
  const actor = actorOf(ctx);
  await db('audit_events').insert({
    id: newId(),
    tenant_id: event.tenantId,
    actor_kind: actor.kind,
    actor_id: actor.id,
    action: event.action,
    target_kind: event.targetKind,
    target_id: event.targetId,
    details: event.details === undefined ? null : JSON.stringify(event.details),
    ip: ctx.ip,
    request_id: ctx.requestId,
    created_at: ctx.clock.now().toISOString(),
  });
}
