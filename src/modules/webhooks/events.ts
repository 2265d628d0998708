import type { Knex } from 'knex';
import type { Clock } from '../../lib/clock';
import { newId } from '../../lib/ids';

/** Every event type a webhook can subscribe to (docs/webhooks.md describes each payload). */
export const WEBHOOK_EVENTS = [
  'customer.signed_up',
  'customer.verified',
  'customer.suspended',
  'pin.locked',
  'pin.policy_changed',
  'member.changed',
  'api_key.created',
  'api_key.revoked',
  'session.revoked',
] as const;

export type WebhookEventType = (typeof WEBHOOK_EVENTS)[number];

export const isWebhookEvent = (value: string): value is WebhookEventType => (WEBHOOK_EVENTS as readonly string[]).includes(value);

/**
 * The `data` of an event: ids, statuses, a customer's email, never a secret, code, PIN or
 * token (a receiver's log is not a place for them). Values are plain JSON.
 */
export type EventData = Record<string, string | number | boolean | null | readonly string[]>;

/** `msg_` + 32 hex digits: the event's `webhook-id`, the same on every attempt and redelivery. */
const newEventId = (): string => `msg_${newId().replace(/-/g, '')}`;

/**
 * Writes an event to the outbox in the caller's transaction (so it exists exactly when the
 * change it reports committed), with one pending delivery per enabled endpoint of the tenant
 * subscribed to its type. The body is fixed here, once: every attempt sends the same bytes.
 */
export async function emitEvent(trx: Knex.Transaction, clock: Clock, tenantId: string, type: WebhookEventType, data: EventData): Promise<void> {
  const now = clock.now();
  const endpoints: Array<{ id: string; events: string }> = await trx('webhook_endpoints').where({ tenant_id: tenantId }).whereNull('disabled_at').select('id', 'events');
  const subscribed = endpoints.filter((endpoint) => (JSON.parse(endpoint.events) as string[]).includes(type));
  const id = newEventId();
  const payload = JSON.stringify({ type, timestamp: now.toISOString(), data });
  await trx('webhook_events').insert({ id, tenant_id: tenantId, type, payload, created_at: now.toISOString() });
  if (subscribed.length === 0) return;
  await trx('webhook_deliveries').insert(
    subscribed.map((endpoint) => ({
      id: newId(),
      event_id: id,
      endpoint_id: endpoint.id,
      attempts: 0,
      status: 'pending',
      next_attempt_at: now.toISOString(),
      created_at: now.toISOString(),
    })),
  );
}
