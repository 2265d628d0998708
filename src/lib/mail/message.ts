/** A mail as the outbox stores it and a transport delivers it. */
export interface OutgoingMail {
  to: string;
  subject: string;
  text: string;
  html?: string;
}

export interface StoredMail extends OutgoingMail {
  /** The outbox id: also the Message-ID / idempotency key, so a retried send can be deduplicated downstream. */
  id: string;
}

export interface MailTransport {
  readonly name: string;
  send(mail: StoredMail, from: string): Promise<void>;
  close?(): Promise<void>;
}
