import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { startTestApp, type TestApp } from '../helpers/app';
import { engine } from '../helpers/db';
import { seedTenant } from '../helpers/seed';

describe(`graceful shutdown (${engine})`, () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
    await seedTenant(t, 'acme');
  });
  afterAll(async () => {
    await t.db.destroy().catch(() => undefined);
  });

  it('finishes a request that is in flight when closing starts, and accepts no new connections', async () => {
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = t.app.server.address() as AddressInfo;
    const body = JSON.stringify({ query: '{ publicPlans(tenantSlug: "acme") { name } }' });

    // Send the headers and half of the body, then start closing.
    const socket = net.connect(port, '127.0.0.1');
    await new Promise<void>((resolve) => socket.on('connect', () => resolve()));
    let response = '';
    const answered = new Promise<void>((resolve) =>
      socket.on('data', (chunk) => {
        response += chunk.toString();
        if (response.includes('\r\n\r\n{')) resolve();
      }),
    );
    socket.write(`POST /graphql HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n`);
    socket.write(body.slice(0, 10));
    await new Promise((resolve) => setTimeout(resolve, 50));

    const closed = t.close();
    await new Promise((resolve) => setTimeout(resolve, 50));
    const refused = await new Promise<boolean>((resolve) => {
      const late = net.connect(port, '127.0.0.1');
      late.on('connect', () => {
        late.destroy();
        resolve(false);
      });
      late.on('error', () => resolve(true));
    });
    expect(refused).toBe(true);

    // Not end(): a half-closed socket would be closed by the server before it could answer.
    socket.write(body.slice(10));
    await answered;
    socket.end();
    await closed;
    expect(response).toMatch(/^HTTP\/1\.1 200 OK/);
    expect(response).toContain('{"data":{"publicPlans":[]}}');
  });
});
