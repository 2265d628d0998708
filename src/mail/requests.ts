import type { FastifyBaseLogger } from 'fastify';
import type { Knex } from 'knex';
import type { Db } from '../db/knex';
import { isPostgres } from '../db/knex';
import { BackgroundLoop } from '../lib/background-loop';
import type { Clock } from '../lib/clock';
import { newId } from '../lib/ids';

/**
 * Mail that someone may ask for about any address, and that goes out only if the address
 * belongs to an account in the right state.
 */
export type MailRequestKind = 'password_reset' | 'email_verification' | 'customer_login';

export interface MailRequest {
  id: string;
  kind: MailRequestKind;
  /** Normalised as the endpoint's own lookup normalises it. */
  email: string;
  /** The tenant of a customer login; null for operator mail. */
  tenantSlug: string | null;
  createdAt: Date;
}

/**
 * Resolves one request inside `trx`: looks the account up, applies the endpoint's rules and,
 * when they allow it, writes the code or token and its outbox mail. Unknown addresses: nothing.
 * The worker deletes the request in the same transaction, so a request yields its mail once.
 */
export type MailRequestHandler = (trx: Knex.Transaction, request: MailRequest) => Promise<void>;
export type MailRequestHandlers = Record<MailRequestKind, MailRequestHandler>;

/**
 * The request side of the queue. Why a queue at all: no enumeration by timing (CONTRACT
 * section 3). Looking an address up and, when it is known, writing a code and a mail in a
 * transaction takes measurably longer than finding nothing (12 ms against 6 ms on
 * PostgreSQL). So the endpoint does the same work for every address, one insert here, and
 * answers; whether mail follows is decided later by the worker, after the answer is sent.
 */
export class MailRequestQueue {
  private readonly listeners = new Set<() => void>();

  constructor(private readonly clock: Clock) {}

  async enqueue(db: Knex, request: { kind: MailRequestKind; email: string; tenantSlug?: string }): Promise<void> {
    await db('mail_requests').insert({
      id: newId(),
      kind: request.kind,
      email: request.email,
      tenant_slug: request.tenantSlug ?? null,
      created_at: this.clock.now().toISOString(),
      attempts: 0,
    });
    for (const listener of this.listeners) listener();
  }

  onEnqueued(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

interface RequestRow {
  id: string;
  kind: MailRequestKind;
  email: string;
  tenant_slug: string | null;
  created_at: string | Date;
  attempts: number;
}

/** How long a worker owns a claimed request; a failed one is tried again after it. */
const CLAIM_LEASE_MS = 60_000;
const BATCH_SIZE = 20;
/** A request that failed this often (a bug, not an outage: the database answered) is dropped. */
const MAX_ATTEMPTS = 10;
/**
 * The kick after an insert waits this long, so the worker's lookups and writes run after the
 * answer has left, not interleaved with it on the event loop (the known path's extra work
 * would otherwise show in its own response time again; measured on SQLite and PostgreSQL).
 */
export const KICK_DELAY_MS = 20;

/**
 * Resolves queued mail requests in the background (started by `buildApp`, kicked shortly
 * after each insert, and polling). Rows are claimed like the mail sender claims outbox rows, so
 * several gateway processes never resolve one request twice (PostgreSQL: FOR UPDATE SKIP
 * LOCKED); the domain rules live in the modules' handlers, dispatched by kind.
 */
export class MailRequestWorker {
  private readonly loop: BackgroundLoop;

  constructor(
    private readonly db: Db,
    private readonly handlers: MailRequestHandlers,
    pollIntervalMs: number,
    private readonly clock: Clock,
    private readonly log: FastifyBaseLogger,
  ) {
    this.loop = new BackgroundLoop('mail request worker', () => this.resolveDue(), BATCH_SIZE, pollIntervalMs, log);
  }

  start(subscribe?: (listener: () => void) => () => void): void {
    this.loop.start(subscribe && ((poke) => subscribe(() => setTimeout(poke, KICK_DELAY_MS).unref())));
  }

  /** Resolves every request that is due now (tests read mail right after a response). */
  drain(): Promise<void> {
    return this.loop.drain();
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }

  private async resolveDue(): Promise<number> {
    const batch = await this.claim();
    for (const row of batch) await this.resolve(row);
    return batch.length;
  }

  private async claim(): Promise<RequestRow[]> {
    const now = this.clock.now();
    const due = this.db('mail_requests')
      .select('id')
      .where((q) => q.whereNull('claimed_until').orWhere('claimed_until', '<', now.toISOString()))
      .orderBy('created_at')
      .limit(BATCH_SIZE);
    if (isPostgres(this.db)) due.forUpdate().skipLocked();
    const rows: RequestRow[] = await this.db('mail_requests')
      .whereIn('id', due)
      .update({ claimed_until: new Date(now.getTime() + CLAIM_LEASE_MS).toISOString() })
      .returning(['id', 'kind', 'email', 'tenant_slug', 'created_at', 'attempts']);
    // Oldest first: two requests for one address are resolved in the order they were made.
    return rows.sort((a, b) => new Date(a.created_at).getTime() - new Date(b.created_at).getTime());
  }

  private async resolve(row: RequestRow): Promise<void> {
    const request: MailRequest = { id: row.id, kind: row.kind, email: row.email, tenantSlug: row.tenant_slug, createdAt: new Date(row.created_at) };
    try {
      await this.db.transaction(async (trx) => {
        await this.handlers[row.kind](trx, request);
        await trx('mail_requests').where('id', row.id).delete();
      });
    } catch (error) {
      const attempts = row.attempts + 1;
      const drop = attempts >= MAX_ATTEMPTS;
      // Not retried before the claim lapses: that is the backoff.
      if (drop) await this.db('mail_requests').where('id', row.id).delete();
      else await this.db('mail_requests').where('id', row.id).update({ attempts });
      this.log.error({ err: error, mailRequestId: row.id, kind: row.kind, attempts }, drop ? 'mail request dropped after repeated failures' : 'mail request failed, will retry');
    }
  }
}
