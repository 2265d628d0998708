import type { Knex } from 'knex';
import type { RequestContext } from './request-context';
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
  | 'password.changed'
  | 'email.changed'
  | 'account.deleted'
  | 'session.revoked'
  | 'refresh.reuse_detected'
  | 'member.changed'
  | 'member.removed'
  | 'admin.promoted';

/** Records an audit event (who, what, when, from where), in the caller's transaction when given. */
export async function recordAudit(
  request: RequestContext,
  db: Knex | Knex.Transaction,
  event: { tenantId: string | null; action: AuditAction; targetKind: string; targetId: string; details?: Record<string, unknown> },
): Promise<void> {
  const { actor } = request;
  await db('audit_events').insert({
    id: newId(),
    tenant_id: event.tenantId,
    actor_kind: actor.kind,
    actor_id: actor.id,
    action: event.action,
    target_kind: event.targetKind,
    target_id: event.targetId,
    details: event.details === undefined ? null : JSON.stringify(event.details),
    ip: request.ip,
    request_id: request.requestId,
    created_at: request.clock.now().toISOString(),
  });
}
