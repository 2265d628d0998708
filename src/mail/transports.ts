import nodemailer from 'nodemailer';
import type { MailConfig } from '../config';
import type { MailTransport, StoredMail } from './message';

/** Development default: prints the whole mail (codes included) to standard output. */
export function consoleTransport(write: (text: string) => void = (t) => process.stdout.write(t)): MailTransport {
  return {
    name: 'console',
    async send(mail, from) {
      const rule = '-'.repeat(72);
      write(`${rule}\nMail ${mail.id}\nFrom: ${from}\nTo: ${mail.to}\nSubject: ${mail.subject}\n\n${mail.text}\n${rule}\n`);
    },
  };
}

/** Any SMTP server, configured by URL (smtp:// or smtps://, credentials in the URL). */
export function smtpTransport(url: string): MailTransport {
  const transporter = nodemailer.createTransport(url);
  return {
    name: 'smtp',
    async send(mail: StoredMail, from: string) {
      await transporter.sendMail({
        from,
        to: mail.to,
        subject: mail.subject,
        text: mail.text,
        html: mail.html,
        messageId: `<${mail.id}@hydracore.outbox>`,
      });
    },
    async close() {
      transporter.close();
    },
  };
}

/** The Resend HTTP API. The outbox id is the idempotency key, so a retry never sends twice. */
export function resendTransport(apiUrl: string, apiKey: string, fetchImpl: typeof fetch = fetch): MailTransport {
  return {
    name: 'resend',
    async send(mail, from) {
      const response = await fetchImpl(`${apiUrl}/emails`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${apiKey}`,
          'content-type': 'application/json',
          'idempotency-key': mail.id,
        },
        body: JSON.stringify({ from, to: [mail.to], subject: mail.subject, text: mail.text, html: mail.html }),
        signal: AbortSignal.timeout(15_000),
      });
      if (!response.ok) {
        const body = await response.text().catch(() => '');
        throw new Error(`Resend answered ${response.status}: ${body.slice(0, 300)}`);
      }
    },
  };
}

export function transportFromConfig(config: MailConfig): MailTransport {
  switch (config.transport) {
    case 'smtp':
      return smtpTransport(config.smtpUrl as string);
    case 'resend':
      return resendTransport(config.resendApiUrl, config.resendApiKey as string);
    case 'console':
      return consoleTransport();
  }
}
