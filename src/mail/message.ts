/** A mail as the outbox stores it and a transport delivers it. */
export interface OutgoingMail {
  to: string;
  subject: string;
  text: string;
  html?: string;
  /**
   * Who the mail says it is from (`"Name" <address>`): a tenant's sender for its customers'
   * mail; without one, MAIL_FROM.
   */
  from?: string;
  /**
   * When the mail stops being worth sending: the expiry of the code or link it carries.
   * Without one the outbox applies its configured default (MAIL_DEFAULT_EXPIRY_MINUTES).
   */
  expiresAt?: Date;
}

export interface StoredMail extends Omit<OutgoingMail, 'expiresAt'> {
  /** The outbox id: also the Message-ID / idempotency key, so a retried send can be deduplicated downstream. */
  id: string;
}

export interface MailTransport {
  readonly name: string;
  send(mail: StoredMail, from: string): Promise<void>;
  close?(): Promise<void>;
}
