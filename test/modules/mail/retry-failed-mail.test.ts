import { startTestApp, type TestApp } from '../../helpers/app';
import { bearer, graphql, verifiedOperator } from '../../helpers/auth';
import { engine } from '../../helpers/db';
import { parkMail } from '../../helpers/mail';

const RETRY = 'mutation { retryFailedMail { requeued } }';

/** `retryFailedMail` over /graphql: platform admins only; parked, unexpired mail only. */
describe(`retryFailedMail (${engine})`, () => {
  let t: TestApp;
  let admin: Record<string, string>;
  let operator: Record<string, string>;

  const parked = (to: string, expiresInMs: number) => parkMail(t.db, to, t.clock.now().getTime(), expiresInMs);

  beforeAll(async () => {
    t = await startTestApp();
    admin = bearer((await verifiedOperator(t, 'root@example.com')).access_token);
    await t.db('users').where({ email_lower: 'root@example.com' }).update({ is_admin: true });
    operator = bearer((await verifiedOperator(t, 'ops@example.com')).access_token);
  });
  afterAll(() => t.close());

  it('puts failed mail that has not expired back in line, due now, and leaves expired mail alone', async () => {
    await parked('live@example.com', 3_600_000);
    await parked('stale@example.com', -60_000);
    const res = await graphql(t, RETRY, {}, admin);
    expect(res).toEqual({ data: { retryFailedMail: { requeued: 1 } } });
    const rows = await t.db('mail_outbox').where({ subject: 'Parked' }).orderBy('recipient').select('recipient', 'status', 'next_attempt_at');
    expect(rows.map((r: { recipient: string; status: string }) => [r.recipient, r.status])).toEqual([
      ['live@example.com', 'pending'],
      ['stale@example.com', 'failed'],
    ]);
    expect(new Date(rows[0].next_attempt_at).getTime()).toBe(t.clock.now().getTime());
    expect(await graphql(t, RETRY, {}, admin)).toEqual({ data: { retryFailedMail: { requeued: 0 } } });
  });

  it('is refused to operators who are not platform admins, and to anonymous callers', async () => {
    await parked('again@example.com', 3_600_000);
    expect((await graphql(t, RETRY, {}, operator)).errors?.[0].extensions?.code).toBe('FORBIDDEN');
    expect((await graphql(t, RETRY)).errors?.[0].extensions?.code).toBe('NOT_AUTHENTICATED');
    expect(await t.db('mail_outbox').where({ recipient: 'again@example.com' }).first('status')).toEqual({ status: 'failed' });
  });
});
