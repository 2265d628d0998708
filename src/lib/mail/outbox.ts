import type { Knex } from 'knex';
import type { Clock } from '../clock';
import { newId } from '../ids';
import type { OutgoingMail } from './message';

/**
 * Writes mail into the outbox table inside the caller's transaction: the message exists
 * exactly when the code or token it carries was committed. Delivery is the sender's job.
 */
export class MailOutbox {
  private readonly listeners = new Set<() => void>();

  constructor(private readonly clock: Clock) {}

  async enqueue(trx: Knex | Knex.Transaction, mail: OutgoingMail): Promise<string> {
    const id = newId();
    const now = this.clock.now().toISOString();
    await trx('mail_outbox').insert({
      id,
      recipient: mail.to,
      subject: mail.subject,
      text_body: mail.text,
      html_body: mail.html ?? null,
      status: 'pending',
      attempts: 0,
      next_attempt_at: now,
      created_at: now,
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

  onEnqueued(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private notify(): void {
    for (const listener of this.listeners) listener();
  }
}
