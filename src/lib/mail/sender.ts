import type { FastifyBaseLogger } from 'fastify';
import type { MailConfig } from '../../config';
import type { Db } from '../../db/knex';
import { isPostgres } from '../../db/knex';
import type { Clock } from '../clock';
import type { MailTransport, StoredMail } from './message';

interface OutboxRow {
  id: string;
  recipient: string;
  subject: string;
  text_body: string;
  html_body: string | null;
  attempts: number;
}

/** How long a sender owns a claimed message; after that another sender may take it over. */
const CLAIM_LEASE_MS = 60_000;
const BATCH_SIZE = 20;

/**
 * Delivers the outbox. Each round claims due messages (so several gateway processes never
 * send the same message at once), sends them, and records the outcome: `sent`, or a retry
 * at an exponentially growing delay, or `failed` after `maxAttempts`.
 *
 * Nothing is lost across a restart: a message is pending until a transport accepted it.
 * A crash between the transport's acceptance and the `sent` update can repeat a message
 * once; the Message-ID / idempotency key (the outbox id) lets the receiver drop it.
 */
export class MailSender {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = true;
  private unsubscribe: (() => void) | undefined;

  constructor(
    private readonly db: Db,
    private readonly transport: MailTransport,
    private readonly config: MailConfig,
    private readonly clock: Clock,
    private readonly log: FastifyBaseLogger,
  ) {}

  /** Starts polling; `subscribe` wires the outbox's "something was enqueued" signal. */
  start(subscribe?: (listener: () => void) => () => void): void {
    this.stopped = false;
    this.unsubscribe = subscribe?.(() => this.poke());
    const tick = (): void => {
      this.poke();
      this.timer = setTimeout(tick, this.config.pollIntervalMs);
      this.timer.unref();
    };
    tick();
  }

  /** Runs a round now (or right after the current one). */
  poke(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.loop().finally(() => {
      this.running = undefined;
    });
  }

  /** Delivers everything that is due now; resolves when nothing due is left (tests, CLI). */
  async drain(): Promise<void> {
    if (this.running) await this.running;
    while ((await this.deliverDue()) > 0) {
      /* keep going */
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.unsubscribe?.();
    if (this.running) await this.running;
    await this.transport.close?.();
  }

  private async loop(): Promise<void> {
    do {
      this.again = false;
      try {
        while (!this.stopped && (await this.deliverDue()) === BATCH_SIZE) {
          /* a full batch: there may be more */
        }
      } catch (error) {
        this.log.error({ err: error }, 'mail sender round failed');
      }
    } while (this.again && !this.stopped);
  }

  /** One batch: claim, send, record. Returns how many messages it handled. */
  private async deliverDue(): Promise<number> {
    const batch = await this.claim();
    for (const row of batch) await this.deliver(row);
    return batch.length;
  }

  private async claim(): Promise<OutboxRow[]> {
    const now = this.clock.now();
    const due = this.db('mail_outbox')
      .select('id')
      .where('status', 'pending')
      .andWhere('next_attempt_at', '<=', now.toISOString())
      .andWhere((q) => q.whereNull('claimed_until').orWhere('claimed_until', '<', now.toISOString()))
      .orderBy('next_attempt_at')
      .limit(BATCH_SIZE);
    // PostgreSQL: concurrent senders skip each other's rows instead of queueing on them.
    if (isPostgres(this.db)) due.forUpdate().skipLocked();
    return this.db('mail_outbox')
      .whereIn('id', due)
      .update({ claimed_until: new Date(now.getTime() + CLAIM_LEASE_MS).toISOString() })
      .returning(['id', 'recipient', 'subject', 'text_body', 'html_body', 'attempts']);
  }

  private async deliver(row: OutboxRow): Promise<void> {
    const mail: StoredMail = {
      id: row.id,
      to: row.recipient,
      subject: row.subject,
      text: row.text_body,
      html: row.html_body ?? undefined,
    };
    const attempts = row.attempts + 1;
    try {
      await this.transport.send(mail, this.config.from);
      await this.db('mail_outbox')
        .where('id', row.id)
        .update({ status: 'sent', attempts, sent_at: this.clock.now().toISOString(), claimed_until: null, last_error: null });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const giveUp = attempts >= this.config.maxAttempts;
      const retryAt = new Date(this.clock.now().getTime() + this.backoffMs(attempts));
      await this.db('mail_outbox')
        .where('id', row.id)
        .update({
          status: giveUp ? 'failed' : 'pending',
          attempts,
          next_attempt_at: retryAt.toISOString(),
          claimed_until: null,
          last_error: message.slice(0, 1000),
        });
      this.log[giveUp ? 'error' : 'warn'](
        { mailId: row.id, attempts, transport: this.transport.name, err: message },
        giveUp ? 'mail delivery failed for good' : 'mail delivery failed, will retry',
      );
    }
  }

  /** Exponential backoff with a little jitter so a fleet of senders does not retry in lockstep. */
  private backoffMs(attempts: number): number {
    const exponential = Math.min(this.config.retryMaxMs, this.config.retryBaseMs * 2 ** (attempts - 1));
    return Math.round(exponential * (0.9 + Math.random() * 0.2));
  }
}
