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
  | 'admin.promoted'
  | 'totp.enabled'
  | 'totp.disabled'
  | 'recovery_codes.regenerated'
  | 'recovery_code.used'
  | 'mfa.failed'
  | 'passkey.registered'
  | 'passkey.removed'
  | 'passkey.clone_detected'
  | 'factors.reset'
  | 'mail_layout.updated'
  | 'webhook.created'
  | 'webhook.deleted'
  | 'webhook.secret_rotated'
  | 'webhook.disabled';

export interface AuditEventInput {
  tenantId: string | null;
  action: AuditAction;
  targetKind: string;
  targetId: string;
  details?: Record<string, unknown>;
}

/** Records an audit event (who, what, when, from where), in the caller's transaction when given. */
export async function recordAudit(request: RequestContext, db: Knex | Knex.Transaction, event: AuditEventInput): Promise<void> {
  await recordAuditEvents(request, db, [event]);
}

/** Rows per insert: well under both engines' limits on bound values. */
const AUDIT_ROWS_PER_INSERT = 500;

/** Records events of one request (e.g. one per session a sign-out-everywhere ended) in few statements. */
export async function recordAuditEvents(request: RequestContext, db: Knex | Knex.Transaction, events: readonly AuditEventInput[]): Promise<void> {
  const { actor } = request;
  const createdAt = request.clock.now().toISOString();
  const rows = events.map((event) => ({
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
    created_at: createdAt,
  }));
  for (let start = 0; start < rows.length; start += AUDIT_ROWS_PER_INSERT) await db('audit_events').insert(rows.slice(start, start + AUDIT_ROWS_PER_INSERT));
}
