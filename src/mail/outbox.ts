import type { Knex } from 'knex';
import type { Clock } from '../lib/clock';
import { newId } from '../lib/ids';
import type { OutgoingMail } from './message';

/** What `/metrics` shows of the outbox: read with one query per scrape. */
export interface OutboxHealth {
  /** Messages waiting for delivery or a retry. */
  pending: number;
  /** Age of the oldest pending message in seconds (0 when none waits). */
  oldestPendingAgeSeconds: number;
  /** Messages dropped because their expiry passed before a transport accepted them. */
  expired: number;
}

/**
 * Writes mail into the outbox table inside the caller's transaction: the message exists
 * exactly when the code or token it carries was committed. Delivery is the sender's job.
 */
export class MailOutbox {
  private readonly listeners = new Set<() => void>();

  /** `defaultExpiryMs`: how long mail that carries no expiry of its own stays worth sending. */
  constructor(
    private readonly clock: Clock,
    private readonly defaultExpiryMs: number,
  ) {}

  async enqueue(trx: Knex | Knex.Transaction, mail: OutgoingMail): Promise<string> {
    const id = newId();
    const now = this.clock.now();
    await trx('mail_outbox').insert({
      id,
      recipient: mail.to,
      subject: mail.subject,
      text_body: mail.text,
      html_body: mail.html ?? null,
      from_address: mail.from ?? null,
      status: 'pending',
      attempts: 0,
      next_attempt_at: now.toISOString(),
      created_at: now.toISOString(),
      expires_at: (mail.expiresAt ?? new Date(now.getTime() + this.defaultExpiryMs)).toISOString(),
    });
    // Wake the sender once the transaction has committed (immediately when there is none).
    const transaction = trx as Knex.Transaction;
    if (typeof transaction.executionPromise?.then === 'function') {
      transaction.executionPromise.then(() => this.notify(), () => undefined);
    } else {
      this.notify();
    }
    return id;
  }

  /**
   * Puts every parked (`failed`) message that has not expired back in line, due now; returns
   * how many. (`hydracore mail retry`: the sender no longer parks mail, but older versions did.)
   */
  async retryFailed(db: Knex): Promise<number> {
    const now = this.clock.now().toISOString();
    const requeued = await db('mail_outbox')
      .where('status', 'failed')
      .andWhere('expires_at', '>', now)
      .update({ status: 'pending', next_attempt_at: now, claimed_until: null });
    if (requeued > 0) this.notify();
    return requeued;
  }

  /** Backlog, age of the oldest waiting message and expired count, in one round trip. */
  async health(db: Knex): Promise<OutboxHealth> {
    const row = await db
      .select(
        db('mail_outbox').where('status', 'pending').count('*').as('pending'),
        db('mail_outbox').where('status', 'pending').min('created_at').as('oldest'),
        db('mail_outbox').where('status', 'expired').count('*').as('expired'),
      )
      .first();
    const oldest = row?.oldest ? new Date(row.oldest).getTime() : undefined;
    return {
      pending: Number(row?.pending ?? 0),
      oldestPendingAgeSeconds: oldest === undefined ? 0 : Math.max(0, (this.clock.now().getTime() - oldest) / 1000),
      expired: Number(row?.expired ?? 0),
    };
  }

  onEnqueued(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private notify(): void {
    for (const listener of this.listeners) listener();
  }
}
