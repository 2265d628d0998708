import fs from 'node:fs';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser, type Page } from 'playwright-core';
import { legacyRoutes } from '../../src/rest/routes';
import { startTestApp, type TestApp } from '../helpers/app';
import { engine } from '../helpers/db';
import { seedPlan, seedTenant } from '../helpers/seed';

/**
 * GraphiQL and the REST reference in a real browser (Debian's Chromium), with every request
 * to anything but this machine blocked: both pages must load completely from the gateway.
 * Screenshots go to test-output/.
 */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const available = fs.existsSync(CHROMIUM);
const outputDir = path.resolve(__dirname, '..', '..', 'test-output');

if (!available) {
  // eslint-disable-next-line no-console
  console.warn(`browser tests skipped: no Chromium at ${CHROMIUM} (apt-get install chromium; .ci/run installs it)`);
}

(available ? describe : describe.skip)(`explorer pages in headless Chromium (${engine})`, () => {
  let t: TestApp;
  let browser: Browser;
  let base: string;

  beforeAll(async () => {
    t = await startTestApp({ GRAPHIQL_ENABLED: 'true' });
    await seedTenant(t, 'demo');
    await seedPlan(t, { tenantSlug: 'demo', name: 'starter', price: '9.99' });
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--headless', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    fs.mkdirSync(outputDir, { recursive: true });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  /** A page whose network is this machine only; collects every failed or blocked request. */
  async function isolatedPage(): Promise<{ page: Page; failures: string[] }> {
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    const page = await context.newPage();
    const failures: string[] = [];
    await page.route('**/*', (route) => {
      const { hostname } = new URL(route.request().url());
      if (hostname === '127.0.0.1' || hostname === 'localhost') return route.continue();
      failures.push(`blocked: ${route.request().url()}`);
      return route.abort();
    });
    page.on('requestfailed', (request) => failures.push(`failed: ${request.url()} ${request.failure()?.errorText ?? ''}`));
    page.on('response', (response) => {
      if (response.status() >= 400) failures.push(`${response.status()}: ${response.url()}`);
    });
    page.on('pageerror', (error) => failures.push(`page error: ${error.message}`));
    return { page, failures };
  }

  it('GraphiQL loads offline, runs { __typename } and shows the result', async () => {
    const { page, failures } = await isolatedPage();
    await page.goto(`${base}/graphiql?query=${encodeURIComponent('{ __typename }')}`, { waitUntil: 'networkidle' });
    await page.waitForSelector('.graphiql-container', { timeout: 30_000 });
    await page.click('.graphiql-execute-button');
    await page.locator('.graphiql-response', { hasText: '"Query"' }).waitFor({ timeout: 30_000 });
    const result = await page.textContent('.graphiql-response');
    expect(result).toContain('"__typename": "Query"');
    await page.screenshot({ path: path.join(outputDir, 'graphiql.png') });
    expect(failures).toEqual([]);
  }, 90_000);

  it('GraphiQL sends the headers from its headers editor', async () => {
    const { page, failures } = await isolatedPage();
    await page.goto(`${base}/graphiql?query=${encodeURIComponent('{ me { email } }')}`, { waitUntil: 'networkidle' });
    await page.waitForSelector('.graphiql-container');
    const sent = page.waitForRequest((request) => request.url().endsWith('/graphql') && request.method() === 'POST');
    await page.click('.graphiql-execute-button');
    const request = await sent;
    expect(request.headers()['apollo-require-preflight']).toBe('true');
    await page.locator('.graphiql-response', { hasText: 'NOT_AUTHENTICATED' }).waitFor({ timeout: 30_000 });
    expect(failures).toEqual([]);
  }, 90_000);

  it('GraphiQL opens with a tab per area, and runs the signup tab\'s price list against the demo tenant', async () => {
    const { page, failures } = await isolatedPage();
    await page.goto(`${base}/graphiql`, { waitUntil: 'networkidle' });
    await page.waitForSelector('.graphiql-container', { timeout: 30_000 });
    await page.waitForSelector('.graphiql-tab', { timeout: 30_000 });
    expect(await page.locator('.graphiql-tab').count()).toBe(4);
    await page.locator('.graphiql-tab').nth(2).click();
    const editor = await page.textContent('.graphiql-query-editor');
    expect(editor).toContain('publicPlans(tenantSlug: "demo")');
    await page.click('.graphiql-execute-button');
    // Several operations in the tab: GraphiQL asks which one; the first is the price list.
    const menu = page.locator('.graphiql-dropdown-item, [role="menuitem"]', { hasText: 'Plans' });
    if (await menu.count()) await menu.first().click();
    await page.locator('.graphiql-response', { hasText: '"starter"' }).waitFor({ timeout: 30_000 });
    await page.screenshot({ path: path.join(outputDir, 'graphiql-tabs.png') });
    expect(failures).toEqual([]);
  }, 90_000);

  it('/docs loads offline and lists every endpoint, grouped by router', async () => {
    const { page, failures } = await isolatedPage();
    await page.goto(`${base}/docs`, { waitUntil: 'networkidle' });
    await page.waitForSelector('.opblock', { timeout: 30_000 });
    const operations = await page.$$eval('.opblock', (blocks) =>
      blocks.map((b) => `${b.querySelector('.opblock-summary-method')?.textContent?.trim()} ${b.querySelector('.opblock-summary-path')?.getAttribute('data-path')}`),
    );
    expect(operations.sort()).toEqual(legacyRoutes.map((r) => `${r.method} ${r.path}`).sort());
    const tags = await page.$$eval('.opblock-tag', (elements) => elements.map((e) => e.getAttribute('data-tag')));
    expect(tags).toEqual(['Auth', 'Customer auth', 'Customer signup', 'PIN confirmation']);
    await page.screenshot({ path: path.join(outputDir, 'docs.png'), fullPage: true });
    expect(failures).toEqual([]);
  }, 90_000);
});
