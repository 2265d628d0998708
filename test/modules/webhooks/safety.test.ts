import { CREATE_API_KEY } from '../../../src/cli/operations';
import { startTestApp, type TestApp } from '../../helpers/app';
import { bearer, graphql, verifiedOperator } from '../../helpers/auth';
import { engine } from '../../helpers/db';
import { seedShop, signup } from '../../helpers/customers';
import { asPlatform } from '../../helpers/seed';
import { startReceiver, verifies } from './receiver';

const CREATE = 'mutation($input: CreateWebhookInput!) { createWebhook(input: $input) { id secret } }';
const DELIVERIES = 'query($id: ID!) { webhookDeliveries(id: $id) { id status attempts responseCode nextAttemptAt lastError } }';
const keyFor = async (t: TestApp, slug: string) => ({ 'x-api-key': (await asPlatform<{ createApiKey: { key: string } }>(t, CREATE_API_KEY, { input: { tenantSlug: slug, name: 'hooks' } })).createApiKey.key });

describe(`webhooks: who, which URLs (${engine})`, () => {
  let t: TestApp;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let alpha: Record<string, string>;
  let bravo: Record<string, string>;

  beforeAll(async () => {
    t = await startTestApp();
    await seedShop(t, 'alpha');
    await seedShop(t, 'bravo');
    alpha = await keyFor(t, 'alpha');
    bravo = await keyFor(t, 'bravo');
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await receiver.close();
    await t.close();
  });

  it('refuses private, loopback and malformed URLs at creation and update (no WEBHOOK_ALLOW_PRIVATE_URLS)', async () => {
    for (const url of [receiver.url, 'http://localhost/x', 'http://10.1.2.3/x', 'http://169.254.169.254/latest', 'http://[::1]/x', 'http://[::ffff:127.0.0.1]/x', 'http://100.64.0.1/x', 'http://0.0.0.0/x', 'ftp://93.184.215.14/x', 'https://user:pw@93.184.215.14/x', 'not a url']) {
      const res = await graphql(t, CREATE, { input: { url, events: ['customer.signed_up'] } }, alpha);
      expect([url, res.errors?.[0].extensions.code]).toEqual([url, 'WEBHOOK_URL_REFUSED']);
    }
    const long = await graphql(t, CREATE, { input: { url: `https://93.184.215.14/${'a'.repeat(2048)}`, events: ['customer.signed_up'] } }, alpha);
    expect(long.errors?.[0].extensions.code).toBe('BAD_USER_INPUT');
    for (const events of [[], ['customer.deleted'], ['customer.signed_up', 'nope']]) {
      const res = await graphql(t, CREATE, { input: { url: 'https://93.184.215.14/x', events } }, alpha);
      expect(res.errors?.[0].extensions.code).toBe('UNKNOWN_WEBHOOK_EVENT');
    }
    const ok = await graphql(t, CREATE, { input: { url: 'https://93.184.215.14/x', events: ['customer.signed_up'] } }, alpha);
    const update = await graphql(t, 'mutation($id: ID!, $url: String!) { updateWebhook(id: $id, input: { url: $url }) { url } }', { id: ok.data?.createWebhook.id, url: receiver.url }, alpha);
    expect(update.errors?.[0].extensions.code).toBe('WEBHOOK_URL_REFUSED');
    await graphql(t, 'mutation($id: ID!) { deleteWebhook(id: $id) }', { id: ok.data?.createWebhook.id }, alpha);
  });

  it('checks again at delivery time: a URL that now points inside is never called (DNS rebinding)', async () => {
    const created = await graphql(t, CREATE, { input: { url: 'https://93.184.215.14/x', events: ['customer.signed_up'] } }, alpha);
    const { id } = created.data?.createWebhook;
    // As if the name had resolved to a public address when checked, and to loopback now.
    await t.db('webhook_endpoints').where({ id }).update({ url: receiver.url });
    await signup(t, 'alpha', 'rebind@example.com', 'Rebind Co');
    await t.app.webhookSender.drain();
    expect(receiver.received).toHaveLength(0);
    const [delivery] = (await graphql(t, DELIVERIES, { id }, alpha)).data?.webhookDeliveries;
    expect(delivery).toMatchObject({ status: 'pending', attempts: 1, responseCode: null, lastError: expect.stringMatching(/refused/) });
    await graphql(t, 'mutation($id: ID!) { deleteWebhook(id: $id) }', { id }, alpha);
  });

  it('an API key acts for its own tenant only; an operator names the tenant', async () => {
    const created = await graphql(t, CREATE, { input: { url: 'https://93.184.215.14/x', events: ['customer.signed_up'] } }, alpha);
    const { id } = created.data?.createWebhook;
    const tenants = Object.fromEntries((await t.db('tenants').select('id', 'slug')).map((r: { id: string; slug: string }) => [r.slug, r.id]));
    expect((await t.db('webhook_endpoints').where({ id }).first('tenant_id')).tenant_id).toBe(tenants.alpha);
    expect((await graphql(t, '{ webhooks { id } }', {}, alpha)).data?.webhooks.map((w: { id: string }) => w.id)).toEqual([id]);
    expect((await graphql(t, '{ webhooks { id } }', {}, bravo)).data?.webhooks).toEqual([]);
    expect((await graphql(t, '{ webhooks(tenantSlug: "alpha") { id } }', {}, bravo)).errors?.[0].extensions.code).toBe('TENANT_NOT_FOUND');
    for (const query of ['mutation($id: ID!) { deleteWebhook(id: $id) }', 'mutation($id: ID!) { rotateWebhookSecret(id: $id) { secret } }', 'query($id: ID!) { webhookDeliveries(id: $id) { id } }']) {
      expect((await graphql(t, query, { id }, bravo)).errors?.[0].extensions.code).toBe('WEBHOOK_NOT_FOUND');
    }
    // Bravo's signups never reach alpha's endpoint.
    await signup(t, 'bravo', 'bravo-customer@example.com', 'Bravo Co');
    expect(await t.db('webhook_deliveries').where({ endpoint_id: id })).toEqual([]);
    const operator = bearer((await verifiedOperator(t, 'webhook-owner@example.com')).access_token);
    expect((await graphql(t, '{ webhooks { id } }', {}, operator)).errors?.[0].extensions.code).toBe('TENANT_SLUG_REQUIRED');
    expect((await graphql(t, '{ webhooks(tenantSlug: "alpha") { id } }', {}, operator)).errors?.[0].extensions.code).toBe('TENANT_NOT_FOUND');
    await graphql(t, 'mutation($id: ID!) { deleteWebhook(id: $id) }', { id }, alpha);
  });

  it('a tenant has at most 20 endpoints, however many aliases or parallel requests ask', async () => {
    const create = (n: number) => `a${n}: createWebhook(input: { url: "https://93.184.215.14/${n}", events: ["customer.signed_up"] }) { id }`;
    const document = `mutation { ${Array.from({ length: 12 }, (_, n) => create(n)).join(' ')} }`;
    const results = await Promise.all([graphql(t, document, {}, alpha), graphql(t, document, {}, alpha)]);
    const codes = results.flatMap((r) => (r.errors ?? []).map((e) => e.extensions.code));
    // The first refusal ends its document (a non-null mutation field failed: the rest do not
    // run); interleaved, both documents may reach the limit.
    expect(codes.length).toBeGreaterThanOrEqual(1);
    expect(new Set(codes)).toEqual(new Set(['WEBHOOK_LIMIT_REACHED']));
    expect((await graphql(t, '{ webhooks { id } }', {}, alpha)).data?.webhooks).toHaveLength(20);
    // Another tenant is not affected.
    expect((await graphql(t, `mutation { ${create(0)} }`, {}, bravo)).errors).toBeUndefined();
    await t.db('webhook_endpoints').delete();
  });
});

describe(`webhooks: rotation and failing endpoints (${engine})`, () => {
  let t: TestApp;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let alpha: Record<string, string>;

  beforeAll(async () => {
    t = await startTestApp({ WEBHOOK_ALLOW_PRIVATE_URLS: 'true' });
    await seedShop(t, 'alpha');
    alpha = await keyFor(t, 'alpha');
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await receiver.close();
    await t.close();
  });

  it('after a rotation both secrets sign for 24 hours, then only the new one', async () => {
    const { id, secret: old } = (await graphql(t, CREATE, { input: { url: receiver.url, events: ['customer.signed_up'] } }, alpha)).data?.createWebhook;
    const rotated = (await graphql(t, 'mutation($id: ID!) { rotateWebhookSecret(id: $id) { secret previousSecretExpiresAt } }', { id }, alpha)).data?.rotateWebhookSecret;
    expect(rotated.secret).not.toBe(old);
    expect(new Date(rotated.previousSecretExpiresAt).getTime() - t.clock.now().getTime()).toBe(24 * 3_600_000);
    await signup(t, 'alpha', 'rotate1@example.com', 'Rotate One');
    await t.app.webhookSender.drain();
    const during = receiver.received.at(-1)!;
    expect(String(during.headers['webhook-signature']).split(' ')).toHaveLength(2);
    expect(verifies(rotated.secret, during)).toBe(true);
    expect(verifies(old, during)).toBe(true);
    t.clock.advance(24 * 3_600_000 + 1_000);
    await signup(t, 'alpha', 'rotate2@example.com', 'Rotate Two');
    await t.app.webhookSender.drain();
    const after = receiver.received.at(-1)!;
    expect(String(after.headers['webhook-signature']).split(' ')).toHaveLength(1);
    expect(verifies(rotated.secret, after)).toBe(true);
    expect(verifies(old, after)).toBe(false);
    expect((await t.db('audit_events').where({ target_id: id, action: 'webhook.secret_rotated' })).length).toBe(1);
    await graphql(t, 'mutation($id: ID!) { deleteWebhook(id: $id) }', { id }, alpha);
  });

  it('a 4xx fails at once; 5xx retries on the schedule and after 3 days of failures the endpoint is disabled and audited', async () => {
    const { id } = (await graphql(t, CREATE, { input: { url: receiver.url, events: ['customer.signed_up'] } }, alpha)).data?.createWebhook;
    receiver.answers.push(400);
    await signup(t, 'alpha', 'refused@example.com', 'Refused Co');
    await t.app.webhookSender.drain();
    expect((await graphql(t, DELIVERIES, { id }, alpha)).data?.webhookDeliveries[0]).toMatchObject({ status: 'failed', attempts: 1, responseCode: 400, nextAttemptAt: null });

    const before = receiver.received.length;
    receiver.answers.push(...Array(40).fill(500));
    await signup(t, 'alpha', 'down@example.com', 'Down Co');
    const delays: number[] = [];
    for (let round = 0; round < 30; round += 1) {
      await t.app.webhookSender.drain();
      const [delivery] = (await graphql(t, DELIVERIES, { id }, alpha)).data?.webhookDeliveries;
      if (delivery.status !== 'pending') break;
      const wait = new Date(delivery.nextAttemptAt).getTime() - t.clock.now().getTime();
      delays.push(wait);
      t.clock.advance(wait);
    }
    expect(delays.slice(0, 7)).toEqual([5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000]);
    const [last] = (await graphql(t, DELIVERIES, { id }, alpha)).data?.webhookDeliveries;
    expect(last).toMatchObject({ status: 'failed', responseCode: 500 });
    const sent = receiver.received.length - before;
    expect(sent).toBe(last.attempts);
    // Three days of failures, not more: the sum of the waits stays within them.
    expect(delays.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(3 * 24 * 3_600_000);
    const webhook = (await graphql(t, '{ webhooks { id disabledAt } }', {}, alpha)).data?.webhooks.find((w: { id: string }) => w.id === id);
    expect(webhook.disabledAt).not.toBeNull();
    expect((await t.db('audit_events').where({ target_id: id, action: 'webhook.disabled' }).first()).actor_kind).toBe('system');
    // Disabled: new events are not queued for it; enabled again, they are.
    await signup(t, 'alpha', 'while-off@example.com', 'Off Co');
    expect((await graphql(t, DELIVERIES, { id }, alpha)).data?.webhookDeliveries).toHaveLength(2);
    await graphql(t, 'mutation($id: ID!) { updateWebhook(id: $id, input: { enabled: true }) { disabledAt } }', { id }, alpha);
    receiver.answers.length = 0;
    await signup(t, 'alpha', 'back-on@example.com', 'On Co');
    await t.app.webhookSender.drain();
    expect((await graphql(t, DELIVERIES, { id }, alpha)).data?.webhookDeliveries[0]).toMatchObject({ status: 'succeeded' });
  });

  it('events are deleted with their deliveries 30 days on, unless a delivery is still pending', async () => {
    const { id } = (await graphql(t, CREATE, { input: { url: receiver.url, events: ['customer.signed_up'] } }, alpha)).data?.createWebhook;
    receiver.answers.push(503, 503); // this endpoint and the one of the test above
    await signup(t, 'alpha', 'old-news@example.com', 'Old News');
    await t.app.webhookSender.drain();
    const pending = (await t.db('webhook_deliveries').where({ endpoint_id: id, status: 'pending' }).first('event_id')).event_id;
    // Older events (the tests above) are past 30 days; the pending one is kept as long as it is pending.
    await t.db('webhook_events').where({ id: pending }).update({ created_at: new Date(t.clock.now().getTime() - 31 * 24 * 3_600_000).toISOString() });
    const before = Number((await t.db('webhook_events').count({ n: '*' }).first())?.n);
    t.clock.advance(31 * 24 * 3_600_000 - 10_000);
    await signup(t, 'alpha', 'fresh-news@example.com', 'Fresh News');
    receiver.answers.push(503, 503, 503);
    await t.app.webhookSender.drain();
    const left = await t.db('webhook_events').select('id', 'payload');
    expect(before).toBeGreaterThan(3);
    expect(left.map((e: { id: string }) => e.id)).toContain(pending);
    expect(left.every((e: { payload: string; id: string }) => e.id === pending || e.payload.includes('fresh-news@example.com'))).toBe(true);
    expect(await t.db('webhook_deliveries').whereNotIn('event_id', left.map((e: { id: string }) => e.id))).toEqual([]);
  });
});
