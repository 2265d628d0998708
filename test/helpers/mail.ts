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
