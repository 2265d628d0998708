import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import type { FastifyBaseLogger } from 'fastify';
import type { WebhooksConfig } from '../../config';
import type { Db } from '../../db/knex';
import { isPostgres } from '../../db/knex';
import { recordAudit } from '../../lib/audit';
import { BackgroundLoop } from '../../lib/background-loop';
import type { Clock } from '../../lib/clock';
import { vetTarget } from './address';
import { openSecret, signatureHeader } from './signing';

const BATCH_SIZE = 20;
/** A claimed delivery belongs to its sender this long (well past the 10 s timeout). */
const LEASE_MS = 60_000;
export const REQUEST_TIMEOUT_MS = 10_000;
/** Delays after the 1st, 2nd, ... failed attempt; the last one repeats. */
export const RETRY_DELAYS_MS = [5_000, 5 * 60_000, 30 * 60_000, 2 * 3_600_000, 5 * 3_600_000, 10 * 3_600_000];
/** A delivery is retried until this long after its first attempt; an endpoint failing that long is disabled. */
export const GIVE_UP_AFTER_MS = 3 * 24 * 3_600_000;
const EXCERPT_CHARS = 200;
/**
 * Events (customers' addresses among their data) are kept this long for `webhookDeliveries`
 * and `redeliverWebhook`, then deleted with their deliveries; checked at most hourly.
 */
export const EVENT_RETENTION_MS = 30 * 24 * 3_600_000;
const PRUNE_EVERY_MS = 3_600_000;
const PRUNE_BATCH = 500;

interface Claimed {
  id: string;
  event_id: string;
  endpoint_id: string;
  attempts: number;
  first_attempt_at: string | Date | null;
}

type Outcome = { ok: true; code: number; excerpt: string } | { ok: false; retry: boolean; code: number | null; excerpt: string | null; error: string };

/**
 * Delivers webhook events (docs/webhooks.md): claims due deliveries (pushing `next_attempt_at`
 * forward in the same conditional UPDATE, a lease: two processes do not send one delivery at
 * the same time), signs and POSTs each, records the outcome. 2xx: succeeded. 5xx, 429,
 * timeouts, connection errors and a refused address: retried on the schedule above until
 * three days after the first attempt; then the delivery fails and, unless the endpoint
 * accepted anything since, the endpoint is disabled. Other answers (3xx: redirects are not
 * followed; 4xx): failed at once, the receiver said no.
 *
 * At least once: a crash between the receiver's answer and the update sends again after the
 * lease, with the same `webhook-id`, which receivers use to drop repeats.
 */
export class WebhookSender {
  private readonly loop: BackgroundLoop;
  private lastPrune = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly db: Db,
    private readonly config: WebhooksConfig,
    private readonly sealKey: Buffer,
    private readonly clock: Clock,
    private readonly log: FastifyBaseLogger,
  ) {
    this.loop = new BackgroundLoop('webhook sender', () => this.deliverDue(), BATCH_SIZE, config.pollIntervalMs, log);
  }

  start(): void {
    this.loop.start();
  }

  poke(): void {
    this.loop.poke();
  }

  /** Delivers everything due now; resolves when nothing due is left (tests). */
  drain(): Promise<void> {
    return this.loop.drain();
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }

  private async deliverDue(): Promise<number> {
    await this.pruneOld();
    const batch = await this.claim();
    for (const row of batch) await this.deliver(row);
    return batch.length;
  }

  /** Deletes events past their retention that nothing will send any more, with their deliveries. */
  private async pruneOld(): Promise<void> {
    const now = this.clock.now().getTime();
    if (now - this.lastPrune < PRUNE_EVERY_MS) return;
    this.lastPrune = now;
    const cutoff = new Date(now - EVENT_RETENTION_MS).toISOString();
    for (;;) {
      const rows: Array<{ id: string }> = await this.db('webhook_events')
        .where('created_at', '<', cutoff)
        .whereNotExists(this.db('webhook_deliveries').whereRaw('webhook_deliveries.event_id = webhook_events.id').andWhere('status', 'pending').select('id'))
        .limit(PRUNE_BATCH)
        .select('id');
      if (rows.length === 0) return;
      const ids = rows.map((row) => row.id);
      await this.db.transaction(async (trx) => {
        await trx('webhook_deliveries').whereIn('event_id', ids).delete();
        await trx('webhook_events').whereIn('id', ids).delete();
      });
      if (rows.length < PRUNE_BATCH) return;
    }
  }

  private async claim(): Promise<Claimed[]> {
    const now = this.clock.now().toISOString();
    const due = this.db('webhook_deliveries').select('id').where('status', 'pending').andWhere('next_attempt_at', '<=', now).orderBy('next_attempt_at').limit(BATCH_SIZE);
    if (isPostgres(this.db)) due.forUpdate().skipLocked();
    return this.db('webhook_deliveries')
      .whereIn('id', due)
      .andWhere('status', 'pending')
      .andWhere('next_attempt_at', '<=', now)
      .update({ next_attempt_at: new Date(this.clock.now().getTime() + LEASE_MS).toISOString() })
      .returning(['id', 'event_id', 'endpoint_id', 'attempts', 'first_attempt_at']);
  }

  private async deliver(row: Claimed): Promise<void> {
    const endpoint = await this.db('webhook_endpoints').where({ id: row.endpoint_id }).first();
    const event = await this.db('webhook_events').where({ id: row.event_id }).first();
    if (!endpoint || !event) return; // deleted meanwhile: the cascade took the delivery too
    const now = this.clock.now();
    if (endpoint.disabled_at !== null) {
      await this.db('webhook_deliveries').where({ id: row.id }).update({ status: 'failed', next_attempt_at: null, last_error: 'endpoint disabled' });
      return;
    }
    const secrets = [openSecret(this.sealKey, endpoint.secret_sealed)];
    if (endpoint.previous_secret_sealed && endpoint.previous_secret_expires_at && new Date(endpoint.previous_secret_expires_at) > now) {
      secrets.push(openSecret(this.sealKey, endpoint.previous_secret_sealed));
    }
    const timestamp = Math.floor(now.getTime() / 1000);
    const outcome = await this.post(endpoint.url, {
      'content-type': 'application/json',
      'user-agent': 'HydraCore-Webhooks/1',
      'webhook-id': event.id,
      'webhook-timestamp': String(timestamp),
      'webhook-signature': signatureHeader(secrets, event.id, timestamp, event.payload),
    }, event.payload);
    const attempts = row.attempts + 1;
    const firstAttemptAt = row.first_attempt_at === null ? now : new Date(row.first_attempt_at);
    const common = { attempts, first_attempt_at: firstAttemptAt.toISOString(), last_attempt_at: now.toISOString() };
    if (outcome.ok) {
      await this.db('webhook_deliveries').where({ id: row.id }).update({ ...common, status: 'succeeded', next_attempt_at: null, response_code: outcome.code, response_excerpt: outcome.excerpt, last_error: null });
      return;
    }
    const failure = { ...common, response_code: outcome.code, response_excerpt: outcome.excerpt, last_error: outcome.error.slice(0, 500) };
    const retryAt = new Date(now.getTime() + RETRY_DELAYS_MS[Math.min(attempts - 1, RETRY_DELAYS_MS.length - 1)]);
    if (outcome.retry && retryAt.getTime() - firstAttemptAt.getTime() <= GIVE_UP_AFTER_MS) {
      await this.db('webhook_deliveries').where({ id: row.id }).update({ ...failure, next_attempt_at: retryAt.toISOString() });
      return;
    }
    await this.db('webhook_deliveries').where({ id: row.id }).update({ ...failure, status: 'failed', next_attempt_at: null });
    if (outcome.retry) await this.disableIfFailing(endpoint.id, endpoint.tenant_id, firstAttemptAt);
  }

  /**
   * A retryable failure went on for three days: the endpoint is disabled (and audited) unless
   * it accepted some other delivery since this one's first attempt (then it is up, and only
   * this event has a problem).
   */
  private async disableIfFailing(endpointId: string, tenantId: string, since: Date): Promise<void> {
    const succeeded = await this.db('webhook_deliveries').where({ endpoint_id: endpointId, status: 'succeeded' }).andWhere('last_attempt_at', '>=', since.toISOString()).first('id');
    if (succeeded) return;
    const now = this.clock.now().toISOString();
    await this.db.transaction(async (trx) => {
      const changed = await trx('webhook_endpoints').where({ id: endpointId }).whereNull('disabled_at').update({ disabled_at: now });
      if (changed !== 1) return;
      await recordAudit({ actor: { kind: 'system', id: null }, ip: '', requestId: '', clock: this.clock }, trx, {
        tenantId,
        action: 'webhook.disabled',
        targetKind: 'webhook',
        targetId: endpointId,
        details: { reason: 'deliveries failed for 3 days' },
      });
    });
    this.log.warn({ webhookId: endpointId }, 'webhook endpoint disabled after failing for 3 days');
  }

  /** One POST to the vetted address only: no second DNS answer, no redirects, 10 s in all. */
  private async post(rawUrl: string, headers: Record<string, string>, body: string): Promise<Outcome> {
    const target = await vetTarget(rawUrl, this.config);
    if (!target) return { ok: false, retry: true, code: null, excerpt: null, error: 'URL refused: not allowed, unresolvable or resolving to a private address' };
    const pinned: LookupFunction = (_host, options, callback) => {
      if ((options as { all?: boolean }).all) (callback as unknown as (e: null, a: Array<{ address: string; family: number }>) => void)(null, [{ address: target.address, family: target.family }]);
      else callback(null, target.address, target.family);
    };
    const client = target.url.protocol === 'https:' ? https : http;
    return new Promise<Outcome>((resolve) => {
      let settled = false;
      const finish = (outcome: Outcome): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(outcome);
      };
      const request = client.request(target.url, { method: 'POST', headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) }, lookup: pinned, agent: false }, (response) => {
        const code = response.statusCode ?? 0;
        let excerpt = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          // Only a short excerpt is kept: a receiver's body is not ours to store.
          if (excerpt.length < EXCERPT_CHARS) excerpt += chunk;
          if (excerpt.length >= EXCERPT_CHARS) response.destroy();
        });
        const done = (): void => {
          const text = excerpt.slice(0, EXCERPT_CHARS);
          if (code >= 200 && code < 300) finish({ ok: true, code, excerpt: text });
          else finish({ ok: false, retry: code >= 500 || code === 429, code, excerpt: text, error: `HTTP ${code}` });
        };
        response.on('end', done);
        response.on('close', done);
        response.on('error', done);
      });
      const timer = setTimeout(() => {
        request.destroy();
        finish({ ok: false, retry: true, code: null, excerpt: null, error: `timed out after ${REQUEST_TIMEOUT_MS / 1000} s` });
      }, REQUEST_TIMEOUT_MS);
      request.on('error', (error) => finish({ ok: false, retry: true, code: null, excerpt: null, error: error.message }));
      request.end(body);
    });
  }
}
