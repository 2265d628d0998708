import { LIMITS } from '../../../src/lib/limits';
import { startTestApp, type TestApp } from '../../helpers/app';
import { mailCount, post } from '../../helpers/auth';
import { seedShop, signup } from '../../helpers/customers';
import { engine } from '../../helpers/db';

const DAY = 24 * 3600_000;
const used = async (t: TestApp, slug: string) => Number((await t.db('shared_nodes').where({ hostname: `n1.${slug}.example.com` }).first('used')).used);

/**
 * Issue 13, item 3: one anonymous client placed 40 of 40 pending signups, and an unverified
 * signup held its node slot forever; re-signup re-mailed the victim every 60 s.
 */
describe(`pending signups and signup budgets (${engine})`, () => {
  describe('at the default budgets', () => {
    let t: TestApp;
    beforeEach(async () => {
      t = await startTestApp({ SIGNUPS_PER_IP: String(LIMITS.signupsPerIp.limit), SIGNUP_MAILS_PER_ADDRESS: String(LIMITS.signupMailsPerAddress.limit) });
      await seedShop(t, 'alpha', 40);
    });
    afterEach(() => t.close());

    it('one client cannot hold more than a handful of pending signups', async () => {
      const statuses: number[] = [];
      for (let i = 0; i < 40; i += 1) statuses.push((await signup(t, 'alpha', `grab${i}@example.com`, `Grab ${i}`)).statusCode);
      expect(statuses.filter((s) => s === 200)).toHaveLength(LIMITS.signupsPerIp.limit);
      const limited = await signup(t, 'alpha', 'one-more@example.com');
      expect(limited.statusCode).toBe(429);
      expect(limited.body).toBe('{"detail":"Too many requests"}');
      expect(await used(t, 'alpha')).toBe(LIMITS.signupsPerIp.limit);
      // Another client (another address behind no proxy is another socket; here: another IP) still signs up.
      const other = await t.app.inject({ method: 'POST', url: '/v1/public/signup', remoteAddress: '203.0.113.7', payload: { company_name: 'Real', email: 'real@example.com', tenant_slug: 'alpha' } });
      expect(other.statusCode).toBe(200);
    });

    it('refused signups do not count: unknown plans, and placements that fail give their budget back', async () => {
      for (let i = 0; i < 10; i += 1) expect((await post(t, '/v1/public/signup', { company_name: 'x', email: `p${i}@example.com`, tenant_slug: 'alpha', plan: 'nope' })).statusCode).toBe(400);
      await t.db('shared_nodes').update({ capacity: 0 });
      for (let i = 0; i < 10; i += 1) expect((await signup(t, 'alpha', `full${i}@example.com`)).statusCode).toBe(503);
      await t.db('shared_nodes').update({ capacity: 40 });
      expect((await signup(t, 'alpha', 'ok@example.com')).statusCode).toBe(200);
    });

    it('a tenant has a signup budget of its own, whatever the number of clients', async () => {
      await t.close();
      t = await startTestApp({ SIGNUPS_PER_TENANT: '3' });
      await seedShop(t, 'alpha', 40);
      const from = (i: number) => t.app.inject({ method: 'POST', url: '/v1/public/signup', remoteAddress: `203.0.113.${i}`, payload: { company_name: 'c', email: `t${i}@example.com`, tenant_slug: 'alpha' } });
      const statuses: number[] = [];
      for (let i = 1; i <= 5; i += 1) statuses.push((await from(i)).statusCode);
      expect(statuses).toEqual([200, 200, 200, 429, 429]);
    });

    it('signing up again while pending re-mails at most a few times per window, then answers the same without mail', async () => {
      const first = await signup(t, 'alpha', 'victim@example.com');
      const mails: number[] = [];
      for (let i = 0; i < 6; i += 1) {
        t.clock.advance(61_000);
        const again = await signup(t, 'alpha', 'victim@example.com');
        expect(again.json()).toEqual(first.json());
        mails.push(await mailCount(t, 'victim@example.com'));
      }
      expect(mails).toEqual([2, 3, 4, 4, 4, 4]);
      expect(await used(t, 'alpha')).toBe(1);
    });
  });

  describe('expiry', () => {
    let t: TestApp;
    beforeEach(async () => {
      t = await startTestApp({ PENDING_SIGNUP_TTL_HOURS: '24' });
      await seedShop(t, 'alpha', 2);
    });
    afterEach(() => t.close());

    it('an unverified signup releases its slot after 24 hours (sweeper): site, codes and row go', async () => {
      const res = await signup(t, 'alpha', 'late@example.com');
      const customerId = res.json().customer_id;
      expect(await used(t, 'alpha')).toBe(1);
      t.clock.advance(DAY - 60_000);
      expect(await t.app.services.pendingSignups.releaseExpired()).toBe(0);
      t.clock.advance(120_000);
      expect(await t.app.services.pendingSignups.releaseExpired()).toBe(1);
      expect(await used(t, 'alpha')).toBe(0);
      expect(await t.db('customers').where({ id: customerId }).first()).toBeUndefined();
      expect(await t.db('instances').where({ customer_id: customerId }).first()).toBeUndefined();
      expect(await t.db('one_time_codes').where({ subject: `customer:${customerId}` }).first()).toBeUndefined();
      // The address signs up afresh, with a new placement.
      const again = await signup(t, 'alpha', 'late@example.com');
      expect(again.statusCode).toBe(200);
      expect(again.json().customer_id).not.toBe(customerId);
    });

    it('a stale pending row never blocks a real customer: a full tenant frees expired slots at placement', async () => {
      await signup(t, 'alpha', 'stale1@example.com');
      await signup(t, 'alpha', 'stale2@example.com');
      expect((await signup(t, 'alpha', 'real@example.com')).statusCode).toBe(503);
      t.clock.advance(DAY + 1000);
      const real = await signup(t, 'alpha', 'real@example.com');
      expect(real.statusCode).toBe(200);
      expect(await used(t, 'alpha')).toBe(1);
      // The expired address itself also gets a fresh start instead of the stale row.
      expect((await signup(t, 'alpha', 'stale1@example.com')).statusCode).toBe(200);
      expect(await used(t, 'alpha')).toBe(2);
    });

    it('a verified customer is never released, and a code for a released signup no longer works', async () => {
      const res = await signup(t, 'alpha', 'quick@example.com');
      const mail = await t.db('mail_outbox').where({ recipient: 'quick@example.com' }).first('text_body');
      const code = (mail.text_body as string).match(/\b(\d{6})\b/)?.[1];
      expect((await post(t, '/v1/public/signup/verify', { code, email: 'quick@example.com', tenant_slug: 'alpha' })).statusCode).toBe(200);
      await signup(t, 'alpha', 'slow@example.com');
      const slowMail = await t.db('mail_outbox').where({ recipient: 'slow@example.com' }).first('text_body');
      const slowCode = (slowMail.text_body as string).match(/\b(\d{6})\b/)?.[1];
      t.clock.advance(DAY + 1000);
      expect(await t.app.services.pendingSignups.releaseExpired()).toBe(1);
      expect(await t.db('customers').where({ id: res.json().customer_id }).first('status')).toEqual({ status: 'active' });
      expect((await post(t, '/v1/public/signup/verify', { code: slowCode, email: 'slow@example.com', tenant_slug: 'alpha' })).statusCode).toBe(400);
    });
  });
});
