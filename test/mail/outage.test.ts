import { smtpTransport } from '../../src/mail/transports';
import { startTestApp, type TestApp } from '../helpers/app';
import { lastMailTo, post, registerOperator } from '../helpers/auth';
import { engine } from '../helpers/db';
import { freePort } from '../helpers/net';
import { SmtpSink } from '../helpers/smtp-sink';

/**
 * Mail used to be lost after about 4 minutes of provider outage: after MAIL_MAX_ATTEMPTS (8)
 * a message was parked `failed` and never sent. Now it is retried until its own expiry.
 * The clock is moved by hand; the SMTP server is real and really down.
 */
describe(`a mail provider outage longer than the old retry budget (${engine})`, () => {
  let t: TestApp;
  let sink: SmtpSink;
  beforeAll(async () => {
    sink = new SmtpSink(await freePort());
    t = await startTestApp({ MAIL_RETRY_BASE_MS: '1000', MAIL_RETRY_MAX_MS: '60000' }, undefined, { mailTransport: smtpTransport(`smtp://127.0.0.1:${sink.port}`) });
  });
  afterAll(async () => {
    await t.close();
    await sink.stop();
  });

  const metric = async (name: string) => {
    const body = (await t.app.inject({ method: 'GET', url: '/metrics' })).body;
    const match = body.match(new RegExp(`^${name} ([\\d.e+-]+)$`, 'm'));
    if (!match) throw new Error(`no ${name} in /metrics`);
    return Number(match[1]);
  };
  const received = (to: string, subject: string) => sink.received.filter((m) => m.to[0] === to && m.raw.includes(`Subject: ${subject}`));

  it('delivers every unexpired message exactly once when the provider is back, and drops and counts the expired one', async () => {
    const started = t.clock.now().getTime();
    await registerOperator(t, 'ada@example.com'); // verification code: expires in 10 minutes
    await post(t, '/auth/forgot-password', { email: 'ada@example.com' }); // reset link: 30 minutes
    await t.app.mailRequests.drain();
    t.clock.advance(5 * 60_000);
    await registerOperator(t, 'bob@example.com'); // code: expires 15 minutes after the start

    // 12 minutes of outage, the sender trying whenever a retry is due.
    while (t.clock.now().getTime() < started + 12 * 60_000) {
      await t.app.mailSender.drain();
      t.clock.advance(10_000);
    }
    const attempts = await t.db('mail_outbox').where({ recipient: 'ada@example.com', subject: 'Reset your HydraCore password' }).first('attempts', 'status', 'last_error');
    expect(attempts).toMatchObject({ status: 'pending', last_error: expect.stringMatching(/ECONNREFUSED/) });
    expect(attempts.attempts).toBeGreaterThan(8); // the old budget
    expect(await t.db('mail_outbox').where({ subject: 'Your HydraCore verification code', recipient: 'ada@example.com' }).first('status')).toEqual({ status: 'expired' });

    // Still ready; the metrics show the backlog, its age and the expired message.
    expect((await t.app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
    expect(await metric('hydracore_mail_outbox_backlog')).toBe(2);
    expect(await metric('hydracore_mail_outbox_oldest_pending_age_seconds')).toBeGreaterThanOrEqual(12 * 60);
    expect(await metric('hydracore_mail_outbox_expired_total')).toBe(1);

    await sink.start();
    for (let i = 0; i < 10; i += 1) {
      await t.app.mailSender.drain();
      t.clock.advance(10_000);
    }
    expect(received('ada@example.com', 'Reset your HydraCore password')).toHaveLength(1);
    expect(received('bob@example.com', 'Your HydraCore verification code')).toHaveLength(1);
    expect(received('ada@example.com', 'Your HydraCore verification code')).toHaveLength(0);
    expect(sink.received).toHaveLength(2);
    expect(await metric('hydracore_mail_outbox_backlog')).toBe(0);
    expect(await metric('hydracore_mail_outbox_oldest_pending_age_seconds')).toBe(0);
    expect(await metric('hydracore_mail_outbox_expired_total')).toBe(1);

    // The link that survived the outage still works.
    const token = (await lastMailTo(t, 'ada@example.com'))?.text.match(/token=([\w-]+)/)?.[1];
    expect((await post(t, '/auth/reset-password', { new_password: 'a brand new passphrase', token })).statusCode).toBe(200);
  });
});
