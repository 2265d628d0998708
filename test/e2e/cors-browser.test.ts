import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser, type Page, type Request } from 'playwright-core';
import { startTestApp, type TestApp } from '../helpers/app';
import { lastCodeFor } from '../helpers/auth';
import { activeCustomer, seedShop } from '../helpers/customers';
import { engine } from '../helpers/db';

/**
 * Issue 16: a single-page app on another origin signs a customer in with cookies and queries
 * `portalMe` through CORS, in a real browser (Debian's Chromium). The app is served by a tiny
 * server of its own on this machine; the gateway lists only that origin in CORS_ORIGINS, so the
 * same page served from another origin is refused by the browser.
 */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const available = fs.existsSync(CHROMIUM);

/** A static "frontend": one empty page, on its own port. */
async function frontend(host: string): Promise<{ origin: string; close: () => Promise<void> }> {
  const server = http.createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    response.end('<!doctype html><html><head><title>portal app</title></head><body>portal app</body></html>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { origin: `http://${host}:${port}`, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** fetch() as the app does it: JSON, cookies included; answers status and JSON (or the error). */
async function call(page: Page, url: string, body: unknown): Promise<{ status?: number; json?: any; error?: string }> {
  return page.evaluate(
    async ({ url, body }) => {
      try {
        const res = await fetch(url, { method: 'POST', credentials: 'include', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
        return { status: res.status, json: await res.json() };
      } catch (error) {
        return { error: String(error) };
      }
    },
    { url, body },
  );
}

if (!available) {
  // eslint-disable-next-line no-console
  console.warn(`CORS browser test skipped: no Chromium at ${CHROMIUM} (apt-get install chromium; .ci/run installs it)`);
}

(available ? describe : describe.skip)(`a browser app on another origin (${engine})`, () => {
  let t: TestApp;
  let browser: Browser;
  let gateway: string;
  let app: { origin: string; close: () => Promise<void> };
  let other: { origin: string; close: () => Promise<void> };

  beforeAll(async () => {
    app = await frontend('127.0.0.1');
    other = await frontend('localhost');
    t = await startTestApp({ CORS_ORIGINS: app.origin });
    await seedShop(t, 'demo');
    await activeCustomer(t, 'demo', 'portal-user@example.com', 'Portal User Ltd');
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    gateway = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--headless', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await t?.close();
    await app?.close();
    await other?.close();
  });

  it('signs a customer in with cookies and reads portalMe over /graphql', async () => {
    const page = await (await browser.newContext()).newPage();
    const sent: Request[] = [];
    page.on('request', (request) => {
      if (request.url() === `${gateway}/graphql` && request.method() === 'POST') sent.push(request);
    });
    await page.goto(`${app.origin}/`);

    const asked = await call(page, `${gateway}/v1/customer-auth/login`, { email: 'portal-user@example.com', tenant_slug: 'demo' });
    expect(asked.status).toBe(200);
    const code = await lastCodeFor(t, 'portal-user@example.com');
    const signedIn = await call(page, `${gateway}/v1/customer-auth/verify`, { code, email: 'portal-user@example.com', tenant_slug: 'demo' });
    expect(signedIn.status).toBe(200);
    const cookies = await page.context().cookies();
    expect(cookies.map((c) => c.name).sort()).toEqual(['portal_access_token', 'portal_refresh_token']);

    // No token in the app's hands: the HttpOnly cookie authenticates the GraphQL call.
    const me = await call(page, `${gateway}/graphql`, { query: '{ portalMe { email companyName status } }' });
    expect(me).toEqual({ status: 200, json: { data: { portalMe: { email: 'portal-user@example.com', companyName: 'Portal User Ltd', status: 'active' } } } });
    const headers = await (sent.at(-1) as Request).allHeaders();
    expect(headers.authorization).toBeUndefined();
    expect(headers.cookie).toContain('portal_access_token=');
    expect(headers.origin).toBe(app.origin);
  }, 90_000);

  it('the same app served from an origin not listed is refused by the browser', async () => {
    const page = await (await browser.newContext()).newPage();
    await page.goto(`${other.origin}/`);
    const refused = await call(page, `${gateway}/graphql`, { query: '{ __typename }' });
    expect(refused.error).toMatch(/TypeError: Failed to fetch/);
    const login = await call(page, `${gateway}/v1/customer-auth/login`, { email: 'portal-user@example.com', tenant_slug: 'demo' });
    expect(login.error).toMatch(/TypeError: Failed to fetch/);
  }, 90_000);
});
