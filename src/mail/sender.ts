import type { FastifyBaseLogger } from 'fastify';
import type { MailConfig } from '../config';
import type { Db } from '../db/knex';
import { isPostgres } from '../db/knex';
import { BackgroundLoop } from '../lib/background-loop';
import type { Clock } from '../lib/clock';
import type { MailTransport, StoredMail } from './message';

interface OutboxRow {
  id: string;
  recipient: string;
  subject: string;
  text_body: string;
  html_body: string | null;
  from_address: string | null;
  attempts: number;
}

/** How long a sender owns a claimed message; after that another sender may take it over. */
const CLAIM_LEASE_MS = 60_000;
const BATCH_SIZE = 20;

/**
 * Delivers the outbox. Each round first marks `expired` what is past its expiry (the code or
 * link it carries no longer works: sending it would only confuse), then claims due messages
 * (so several gateway processes never send the same message at once), sends them, and records
 * the outcome: `sent`, or a retry after an exponentially growing delay capped at
 * `retryMaxMs`. There is no attempt limit: a provider outage of any length loses nothing that
 * is still worth sending; a message is given up only when its own expiry passes.
 *
 * Nothing is lost across a restart: a message is pending until a transport accepted it.
 * A crash between the transport's acceptance and the `sent` update can repeat a message
 * once; the Message-ID / idempotency key (the outbox id) lets the receiver drop it.
 */
export class MailSender {
  private readonly loop: BackgroundLoop;

  constructor(
    private readonly db: Db,
    private readonly transport: MailTransport,
    private readonly config: MailConfig,
    private readonly clock: Clock,
    private readonly log: FastifyBaseLogger,
  ) {
    this.loop = new BackgroundLoop('mail sender', () => this.deliverDue(), BATCH_SIZE, config.pollIntervalMs, log);
  }

  /** Starts polling; `subscribe` wires the outbox's "something was enqueued" signal. */
  start(subscribe?: (listener: () => void) => () => void): void {
    this.loop.start(subscribe);
  }

  /** Runs a round now (or right after the current one). */
  poke(): void {
    this.loop.poke();
  }

  /** Delivers everything that is due now; resolves when nothing due is left (tests, CLI). */
  drain(): Promise<void> {
    return this.loop.drain();
  }

  async stop(): Promise<void> {
    await this.loop.stop();
    await this.transport.close?.();
  }

  /** One batch: expire, claim, send, record. Returns how many messages it sent or tried. */
  private async deliverDue(): Promise<number> {
    await this.expirePastDue();
    const batch = await this.claim();
    for (const row of batch) await this.deliver(row);
    return batch.length;
  }

  /** Pending mail whose expiry passed (and that no live claim holds) is dropped as `expired`. */
  private async expirePastDue(): Promise<void> {
    const now = this.clock.now().toISOString();
    const expired: Array<{ id: string; attempts: number }> = await this.db('mail_outbox')
      .where('status', 'pending')
      .andWhere('expires_at', '<=', now)
      .andWhere((q) => q.whereNull('claimed_until').orWhere('claimed_until', '<', now))
      .update({ status: 'expired', claimed_until: null })
      .returning(['id', 'attempts']);
    for (const row of expired) {
      this.log.error({ mailId: row.id, attempts: row.attempts, transport: this.transport.name }, 'mail expired before it could be delivered');
    }
  }

  private async claim(): Promise<OutboxRow[]> {
    const now = this.clock.now();
    const due = this.db('mail_outbox')
      .select('id')
      .where('status', 'pending')
      .andWhere('next_attempt_at', '<=', now.toISOString())
      .andWhere('expires_at', '>', now.toISOString())
      .andWhere((q) => q.whereNull('claimed_until').orWhere('claimed_until', '<', now.toISOString()))
      .orderBy('next_attempt_at')
      .limit(BATCH_SIZE);
    // PostgreSQL: concurrent senders skip each other's rows instead of queueing on them.
    if (isPostgres(this.db)) due.forUpdate().skipLocked();
    return this.db('mail_outbox')
      .whereIn('id', due)
      .update({ claimed_until: new Date(now.getTime() + CLAIM_LEASE_MS).toISOString() })
      .returning(['id', 'recipient', 'subject', 'text_body', 'html_body', 'from_address', 'attempts']);
  }

  private async deliver(row: OutboxRow): Promise<void> {
    const mail: StoredMail = {
      id: row.id,
      to: row.recipient,
      subject: row.subject,
      text: row.text_body,
      html: row.html_body ?? undefined,
      from: row.from_address ?? undefined,
    };
    const attempts = row.attempts + 1;
    try {
      await this.transport.send(mail, mail.from ?? this.config.from);
      await this.db('mail_outbox')
        .where('id', row.id)
        .update({ status: 'sent', attempts, sent_at: this.clock.now().toISOString(), claimed_until: null, last_error: null });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const retryAt = new Date(this.clock.now().getTime() + this.backoffMs(attempts));
      await this.db('mail_outbox')
        .where('id', row.id)
        .update({ attempts, next_attempt_at: retryAt.toISOString(), claimed_until: null, last_error: message.slice(0, 1000) });
      this.log.warn({ mailId: row.id, attempts, transport: this.transport.name, err: message }, 'mail delivery failed, will retry until it expires');
    }
  }

  /** Exponential backoff, capped, with a little jitter so a fleet of senders does not retry in lockstep. */
  private backoffMs(attempts: number): number {
    const exponential = Math.min(this.config.retryMaxMs, this.config.retryBaseMs * 2 ** Math.min(attempts - 1, 40));
    return Math.round(exponential * (0.9 + Math.random() * 0.2));
  }
}
