import { CREATE_API_KEY } from '../../../src/cli/operations';
import { startTestApp, type TestApp } from '../../helpers/app';
import { graphql } from '../../helpers/auth';
import { engine } from '../../helpers/db';
import { seedShop, signup } from '../../helpers/customers';
import { asPlatform } from '../../helpers/seed';
import { startReceiver, verifies } from './receiver';

const CREATE = 'mutation($input: CreateWebhookInput!) { createWebhook(input: $input) { id secret webhook { url events } } }';
const DELIVERIES = 'query($id: ID!) { webhookDeliveries(id: $id) { id eventId eventType status attempts responseCode responseExcerpt nextAttemptAt lastError } }';

/** Issue 19, "Done when": a real receiver on this machine gets signed events, retries and then nothing. */
describe(`webhook delivery (${engine})`, () => {
  let t: TestApp;
  let key: string;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  const asKey = () => ({ 'x-api-key': key });

  beforeAll(async () => {
    t = await startTestApp({ WEBHOOK_ALLOW_PRIVATE_URLS: 'true' });
    await seedShop(t, 'alpha');
    key = (await asPlatform<{ createApiKey: { key: string } }>(t, CREATE_API_KEY, { input: { tenantSlug: 'alpha', name: 'hooks' } })).createApiKey.key;
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await receiver.close();
    await t.close();
  });

  it('signs customer.signed_up, retries a 503 with the same webhook-id, and sends nothing once deleted', async () => {
    const created = await graphql(t, CREATE, { input: { url: receiver.url, events: ['customer.signed_up'], description: 'crm' } }, asKey());
    expect(created.errors).toBeUndefined();
    const { id, secret } = created.data?.createWebhook;
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(secret.slice(6), 'base64')).toHaveLength(32);
    // Stored sealed, not as given.
    expect(JSON.stringify(await t.db('webhook_endpoints').where({ id }).first())).not.toContain(secret.slice(6));

    receiver.answers.push(503);
    expect((await signup(t, 'alpha', 'new-customer@example.com', 'Hooked Co')).statusCode).toBe(200);
    await t.app.webhookSender.drain();
    expect(receiver.received).toHaveLength(1);
    const first = receiver.received[0];
    expect(verifies(secret, first)).toBe(true);
    expect(first.headers['content-type']).toBe('application/json');
    expect(first.headers['webhook-timestamp']).toBe(String(Math.floor(t.clock.now().getTime() / 1000)));
    const body = JSON.parse(first.body);
    expect(body).toEqual({ type: 'customer.signed_up', timestamp: t.clock.now().toISOString(), data: expect.objectContaining({ email: 'new-customer@example.com', status: 'pending' }) });
    // Nothing secret in a payload: no code of the verification mail.
    const code = /\b(\d{6})\b/.exec((await t.db('mail_outbox').orderBy('created_at', 'desc').first()).text_body)?.[1];
    expect(code).toBeDefined();
    expect(first.body).not.toContain(code);

    let [delivery] = (await graphql(t, DELIVERIES, { id }, asKey())).data?.webhookDeliveries;
    expect(delivery).toMatchObject({ status: 'pending', attempts: 1, responseCode: 503, eventType: 'customer.signed_up', eventId: first.headers['webhook-id'] });
    expect(delivery.responseExcerpt.length).toBeLessThanOrEqual(200);
    expect(new Date(delivery.nextAttemptAt).getTime() - t.clock.now().getTime()).toBe(5_000);

    // Not due yet: nothing is sent; after the backoff the retry carries the same id and a fresh signature.
    await t.app.webhookSender.drain();
    expect(receiver.received).toHaveLength(1);
    t.clock.advance(5_000);
    await t.app.webhookSender.drain();
    expect(receiver.received).toHaveLength(2);
    expect(receiver.received[1].headers['webhook-id']).toBe(first.headers['webhook-id']);
    expect(receiver.received[1].body).toBe(first.body);
    expect(verifies(secret, receiver.received[1])).toBe(true);
    [delivery] = (await graphql(t, DELIVERIES, { id }, asKey())).data?.webhookDeliveries;
    expect(delivery).toMatchObject({ status: 'succeeded', attempts: 2, responseCode: 200, responseExcerpt: 'ok', nextAttemptAt: null });

    // Redelivery: a new delivery of the same event (same webhook-id).
    const again = await graphql(t, 'mutation($id: ID!) { redeliverWebhook(deliveryId: $id) { id status eventId } }', { id: delivery.id }, asKey());
    expect(again.data?.redeliverWebhook).toMatchObject({ status: 'pending', eventId: delivery.eventId });
    await t.app.webhookSender.drain();
    expect(receiver.received).toHaveLength(3);
    expect(receiver.received[2].headers['webhook-id']).toBe(first.headers['webhook-id']);

    // Deleted, with a delivery pending: nothing more arrives.
    receiver.answers.push(503);
    await signup(t, 'alpha', 'second@example.com', 'Second Co');
    await t.app.webhookSender.drain();
    expect(receiver.received).toHaveLength(4);
    expect((await graphql(t, 'mutation($id: ID!) { deleteWebhook(id: $id) }', { id }, asKey())).data?.deleteWebhook).toBe(true);
    await signup(t, 'alpha', 'third@example.com', 'Third Co');
    t.clock.advance(3_600_000);
    await t.app.webhookSender.drain();
    expect(receiver.received).toHaveLength(4);
    const audit = await t.db('audit_events').where({ target_id: id }).orderBy('created_at').select('action');
    expect(audit.map((a) => a.action)).toEqual(['webhook.created', 'webhook.deleted']);
  });

  it('two senders never send one delivery twice (the claim is a lease)', async () => {
    const created = await graphql(t, CREATE, { input: { url: receiver.url, events: ['customer.signed_up'] } }, asKey());
    const before = receiver.received.length;
    await signup(t, 'alpha', 'parallel@example.com', 'Parallel Co');
    await Promise.all([t.app.webhookSender.drain(), t.app.webhookSender.drain(), t.app.webhookSender.drain()]);
    expect(receiver.received.length - before).toBe(1);
    await graphql(t, 'mutation($id: ID!) { deleteWebhook(id: $id) }', { id: created.data?.createWebhook.id }, asKey());
  });
});
