import type { Knex } from 'knex';
import { newId } from '../../src/lib/ids';
import type { MailTransport, StoredMail } from '../../src/mail/message';

/** Captures delivered mail in memory (the outside world's mailbox, for flows that read codes). */
export class MemoryTransport implements MailTransport {
  readonly name = 'memory';
  readonly sent: StoredMail[] = [];
  async send(mail: StoredMail): Promise<void> {
    this.sent.push(mail);
  }
  to(address: string): StoredMail[] {
    return this.sent.filter((m) => m.to === address);
  }
}

/**
 * A message parked as `failed` an hour before `now` (as an older version left mail after its
 * last attempt), expiring `expiresInMs` after `now` (negative: already expired).
 */
export async function parkMail(db: Knex, to: string, now: number, expiresInMs: number): Promise<void> {
  await db('mail_outbox').insert({
    id: newId(),
    recipient: to,
    subject: 'Parked',
    text_body: 'T',
    status: 'failed',
    attempts: 8,
    next_attempt_at: new Date(now - 3_600_000).toISOString(),
    created_at: new Date(now - 3_600_000).toISOString(),
    expires_at: new Date(now + expiresInMs).toISOString(),
  });
}
