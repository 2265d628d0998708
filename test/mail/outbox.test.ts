import http from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { freePort } from '../helpers/net';
import { loadConfig, type MailConfig } from '../../src/config';
import { createDb, migrateLatest, type Db } from '../../src/db/knex';
import { ManualClock } from '../../src/lib/clock';
import { MailOutbox } from '../../src/mail/outbox';
import { MailSender } from '../../src/mail/sender';
import { consoleTransport, resendTransport, smtpTransport } from '../../src/mail/transports';
import { createTestDatabase, engine, type TestDatabase } from '../helpers/db';
import { MemoryTransport } from '../helpers/mail';
import { SmtpSink } from '../helpers/smtp-sink';

const silent = pino({ level: 'silent' });
const DEFAULT_EXPIRY_MS = 24 * 3_600_000;

describe(`mail outbox (${engine})`, () => {
  let database: TestDatabase;
  let db: Db;
  let clock: ManualClock;
  let outbox: MailOutbox;
  let mailConfig: MailConfig;

  beforeEach(async () => {
    database = await createTestDatabase();
    db = createDb(database.config);
    await migrateLatest(db);
    clock = new ManualClock(new Date('2026-11-21T12:00:00.000Z'));
    outbox = new MailOutbox(clock, DEFAULT_EXPIRY_MS);
    mailConfig = { ...loadConfig({}).mail, defaultExpiryMs: DEFAULT_EXPIRY_MS, retryBaseMs: 1_000, retryMaxMs: 60_000 };
  });
  afterEach(async () => {
    await db.destroy();
    await database.drop();
  });

  const rows = () => db('mail_outbox').select('recipient', 'status', 'attempts', 'last_error').orderBy('created_at').orderBy('id');

  it('writes mail in the caller transaction: a rollback leaves nothing to send', async () => {
    await db
      .transaction(async (trx) => {
        await outbox.enqueue(trx, { to: 'a@example.com', subject: 'Code', text: '123456' });
        throw new Error('rolled back');
      })
      .catch(() => undefined);
    await db.transaction((trx) => outbox.enqueue(trx, { to: 'b@example.com', subject: 'Code', text: '654321' }));
    expect(await rows()).toEqual([{ recipient: 'b@example.com', status: 'pending', attempts: 0, last_error: null }]);
  });

  it('delivers to a real SMTP server with the outbox id as Message-ID', async () => {
    const sink = new SmtpSink(await freePort());
    await sink.start();
    const sender = new MailSender(db, smtpTransport(`smtp://127.0.0.1:${sink.port}`), mailConfig, clock, silent);
    const id = await outbox.enqueue(db, { to: 'alice@example.com', subject: 'Your code', text: 'Your code is 123456' });
    await sender.drain();
    await sender.stop();
    await sink.stop();

    expect(sink.received).toHaveLength(1);
    expect(sink.received[0].to).toEqual(['alice@example.com']);
    expect(sink.received[0].raw).toContain('Subject: Your code');
    expect(sink.received[0].raw).toContain(`Message-ID: <${id}@hydracore.outbox>`);
    expect(sink.received[0].raw).toContain('Your code is 123456');
    expect(await rows()).toEqual([{ recipient: 'alice@example.com', status: 'sent', attempts: 1, last_error: null }]);
  });

  it('keeps mail while the SMTP server is down and delivers each message once after a restart', async () => {
    const sink = new SmtpSink(await freePort());
    const first = new MailSender(db, smtpTransport(`smtp://127.0.0.1:${sink.port}`), mailConfig, clock, silent);
    for (const to of ['a@example.com', 'b@example.com', 'c@example.com']) {
      await outbox.enqueue(db, { to, subject: 'Hello', text: `for ${to}` });
    }
    await first.drain();
    expect((await rows()).map((r) => [r.status, r.attempts])).toEqual([
      ['pending', 1],
      ['pending', 1],
      ['pending', 1],
    ]);
    expect((await rows())[0].last_error).toMatch(/ECONNREFUSED/);

    // Not due yet: a second round inside the backoff window sends nothing.
    await first.drain();
    expect((await rows()).every((r) => r.attempts === 1)).toBe(true);
    await first.stop(); // the gateway restarts

    await sink.start();
    clock.advance(2_000);
    const second = new MailSender(db, smtpTransport(`smtp://127.0.0.1:${sink.port}`), mailConfig, clock, silent);
    await second.drain();
    await second.drain();
    await second.stop();
    await sink.stop();

    expect(sink.received.map((m) => m.to[0]).sort()).toEqual(['a@example.com', 'b@example.com', 'c@example.com']);
    expect((await rows()).map((r) => [r.status, r.attempts])).toEqual([
      ['sent', 2],
      ['sent', 2],
      ['sent', 2],
    ]);
  });

  it('backs off exponentially up to the cap and keeps retrying, past the old 8-attempt budget, until the mail expires', async () => {
    const failing = { name: 'failing', send: async () => Promise.reject(new Error('provider says no')) };
    const sender = new MailSender(db, failing, mailConfig, clock, silent);
    const expiresAt = new Date(clock.now().getTime() + 30 * 60_000);
    await outbox.enqueue(db, { to: 'a@example.com', subject: 'S', text: 'T', expiresAt });
    const delays: number[] = [];
    for (;;) {
      await sender.drain();
      const row = await db('mail_outbox').first('next_attempt_at', 'status');
      if (row.status !== 'pending') break;
      delays.push(new Date(row.next_attempt_at).getTime() - clock.now().getTime());
      clock.set(new Date(row.next_attempt_at));
    }
    expect(delays[0]).toBeGreaterThanOrEqual(900);
    expect(delays[0]).toBeLessThanOrEqual(1_100);
    expect(delays[1]).toBeGreaterThanOrEqual(1_800);
    expect(delays[2]).toBeGreaterThanOrEqual(3_600);
    expect(Math.max(...delays)).toBeLessThanOrEqual(66_000); // capped at MAIL_RETRY_MAX_MS (+10% jitter)
    const [row] = await rows();
    expect(row).toEqual({ recipient: 'a@example.com', status: 'expired', attempts: delays.length, last_error: 'provider says no' });
    expect(row.attempts).toBeGreaterThan(20);
    await sender.drain();
    expect((await rows())[0].attempts).toBe(delays.length);
    await sender.stop();
  });

  it('gives mail without an expiry of its own the configured default', async () => {
    await outbox.enqueue(db, { to: 'a@example.com', subject: 'S', text: 'T' });
    const row = await db('mail_outbox').first('expires_at', 'created_at');
    expect(new Date(row.expires_at).getTime() - new Date(row.created_at).getTime()).toBe(DEFAULT_EXPIRY_MS);
  });

  it('two senders never deliver the same message twice', async () => {
    const memory = new MemoryTransport();
    const a = new MailSender(db, memory, mailConfig, clock, silent);
    const b = new MailSender(db, memory, mailConfig, clock, silent);
    for (let i = 0; i < 30; i += 1) await outbox.enqueue(db, { to: `u${i}@example.com`, subject: 'S', text: 'T' });
    await Promise.all([a.drain(), b.drain()]);
    expect(memory.sent).toHaveLength(30);
    expect(new Set(memory.sent.map((m) => m.id)).size).toBe(30);
  });

  it('the background sender delivers soon after a commit, without waiting for the poll', async () => {
    const memory = new MemoryTransport();
    const sender = new MailSender(db, memory, { ...mailConfig, pollIntervalMs: 3_600_000 }, clock, silent);
    sender.start((listener) => outbox.onEnqueued(listener));
    await new Promise((resolve) => setTimeout(resolve, 50));
    await db.transaction((trx) => outbox.enqueue(trx, { to: 'late@example.com', subject: 'S', text: 'T' }));
    for (let i = 0; i < 50 && memory.sent.length === 0; i += 1) await new Promise((resolve) => setTimeout(resolve, 20));
    await sender.stop();
    expect(memory.to('late@example.com')).toHaveLength(1);
  });
});

describe('mail transports', () => {
  it('console prints the whole mail, code included', async () => {
    const lines: string[] = [];
    await consoleTransport((t) => lines.push(t)).send({ id: 'm1', to: 'a@example.com', subject: 'Your code', text: 'Code: 123456' }, 'from@example.com');
    expect(lines.join('')).toMatch(/To: a@example.com\nSubject: Your code\n\nCode: 123456/);
  });

  it('resend posts to the API with the outbox id as idempotency key, and fails on an error status', async () => {
    const requests: Array<{ headers: http.IncomingHttpHeaders; body: string; url?: string }> = [];
    let status = 200;
    const server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        requests.push({ headers: req.headers, body, url: req.url });
        res.writeHead(status, { 'content-type': 'application/json' }).end('{"id":"re_1"}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const transport = resendTransport(`http://127.0.0.1:${port}`, 're_key');
    await transport.send({ id: 'mail-1', to: 'a@example.com', subject: 'S', text: 'T' }, 'HydraCore <no-reply@example.com>');
    status = 500;
    await expect(transport.send({ id: 'mail-2', to: 'b@example.com', subject: 'S', text: 'T' }, 'x@example.com')).rejects.toThrow(/Resend answered 500/);
    await new Promise<void>((resolve) => server.close(() => resolve()));

    expect(requests[0].url).toBe('/emails');
    expect(requests[0].headers.authorization).toBe('Bearer re_key');
    expect(requests[0].headers['idempotency-key']).toBe('mail-1');
    expect(JSON.parse(requests[0].body)).toEqual({ from: 'HydraCore <no-reply@example.com>', to: ['a@example.com'], subject: 'S', text: 'T' });
  });
});
