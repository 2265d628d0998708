import { cli } from '../../src/cli/main';
import { startTestApp, type TestApp } from '../helpers/app';
import { engine } from '../helpers/db';
import { parkMail } from '../helpers/mail';

/** Runs `hydracore ...` in-process against the test database, capturing its output. */
async function hydracore(t: TestApp, ...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const db = t.config.database;
  const saved = { ...process.env };
  process.env.DATABASE_URL = db.client === 'sqlite' ? `sqlite:${db.connection}` : db.connection;
  if (db.schema) process.env.DATABASE_SCHEMA = db.schema;
  process.env.LOG_LEVEL = 'silent';
  let out = '';
  let err = '';
  try {
    const code = await cli(args, (text) => (out += text), (text) => (err += text));
    return { code, out, err };
  } finally {
    process.env = saved;
  }
}

describe(`hydracore CLI (${engine})`, () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('seeds a usable demo tenant, and can run again', async () => {
    const first = await hydracore(t, 'demo');
    expect(first.code).toBe(0);
    expect(JSON.parse(first.out).tenant.createTenant.slug).toBe('demo');
    const again = await hydracore(t, 'demo');
    expect(again.code).toBe(0);
    expect(JSON.parse(again.out)).toEqual({ tenant: 'exists', plans: { starter: 'exists', pro: 'exists' }, node: 'exists' });

    const res = await t.app.inject({ method: 'GET', url: '/v1/public/signup/plans/demo' });
    expect(res.statusCode).toBe(200);
    expect(res.json().map((p: { name: string }) => p.name)).toEqual(['starter', 'pro']);
  });

  it('creates tenants, plans, nodes and instances through the GraphQL operations', async () => {
    expect((await hydracore(t, 'tenant', 'create', '--slug', 'acme', '--name', 'Acme Hosting')).code).toBe(0);
    const plan = await hydracore(t, 'plan', 'create', '--tenant', 'acme', '--name', 'basic', '--price', '4.50', '--feature', 'One site', '--feature', 'TLS', '--order', '3');
    expect(plan.code).toBe(0);
    expect(JSON.parse(plan.out).createPlan).toMatchObject({ name: 'basic', price: '4.50', features: ['One site', 'TLS'], displayOrder: 3, active: true });
    const node = await hydracore(t, 'node', 'add', '--hostname', 'n1.acme.example', '--base-domain', 'sites.acme.example', '--capacity', '1', '--tenant', 'acme');
    expect(JSON.parse(node.out).addSharedNode).toMatchObject({ capacity: 1, used: 0, free: 1 });

    const instance = await hydracore(t, 'instance', 'create', '--tenant', 'acme', '--slug', 'shop');
    expect(instance.code).toBe(0);
    expect(JSON.parse(instance.out).createInstance).toMatchObject({ slug: 'shop', siteUrl: 'https://shop.sites.acme.example', status: 'active' });

    // The tenant's only node is full and there is no global pool.
    const full = await hydracore(t, 'instance', 'create', '--tenant', 'acme', '--slug', 'shop2');
    expect(full.code).toBe(1);
    expect(full.err).toBe('NO_CAPACITY: No shared hosting capacity available\n');
  });

  it('reports domain errors and the 422 list of invalid input', async () => {
    const taken = await hydracore(t, 'tenant', 'create', '--slug', 'acme', '--name', 'Again');
    expect(taken).toMatchObject({ code: 1, err: 'TENANT_SLUG_TAKEN: Tenant slug already taken\n' });

    const invalid = await hydracore(t, 'tenant', 'create', '--slug', 'Not A Slug', '--name', 'x');
    expect(invalid.code).toBe(1);
    expect(invalid.err).toMatch(/^BAD_USER_INPUT: Request validation failed/);
    expect(invalid.err).toContain('"type": "string_pattern_mismatch"');

    const missingTenant = await hydracore(t, 'plan', 'create', '--tenant', 'nope', '--name', 'x', '--price', '1');
    expect(missingTenant).toMatchObject({ code: 1, err: 'TENANT_NOT_FOUND: Tenant not found\n' });
  });

  it('creates a verified platform admin who can then administer over /graphql', async () => {
    const created = await hydracore(t, 'admin', 'create', '--email', 'Root@Example.com', '--password', 'a long admin passphrase');
    expect(created.code).toBe(0);
    expect(JSON.parse(created.out).createAdmin).toMatchObject({ email: 'Root@example.com', emailVerified: true, isAdmin: true });
    const login = await t.app.inject({
      method: 'POST',
      url: '/auth/login',
      payload: { email: 'root@example.com', password: 'a long admin passphrase' },
    });
    const token = login.json().access_token as string;
    const res = await t.app.inject({
      method: 'POST',
      url: '/graphql',
      headers: { authorization: `Bearer ${token}` },
      payload: { query: 'mutation { createTenant(input: { slug: "by-admin", name: "By Admin" }) { slug } }' },
    });
    expect(res.json()).toEqual({ data: { createTenant: { slug: 'by-admin' } } });
    const weak = await hydracore(t, 'admin', 'create', '--email', 'weak@example.com', '--password', 'password1');
    expect(weak.code).toBe(1);
    expect(weak.err).toContain('This password is too common');
  });

  it('creates a tenant API key, printed once, that acts for the tenant', async () => {
    const created = await hydracore(t, 'apikey', 'create', '--tenant', 'acme', '--name', 'deploy-bot');
    expect(created.code).toBe(0);
    const { key, apiKey } = JSON.parse(created.out).createApiKey;
    expect(key).toMatch(/^hck_[\w-]{8}_[\w-]{43}$/);
    expect(apiKey).toMatchObject({ name: 'deploy-bot', prefix: key.slice(0, 12) });
    const res = await t.app.inject({
      method: 'POST',
      url: '/graphql',
      headers: { 'x-api-key': key },
      payload: { query: '{ plans(tenantSlug: "acme") { name } }' },
    });
    expect(res.json()).toEqual({ data: { plans: [{ name: 'basic' }] } });
  });

  it('explains its usage', async () => {
    expect((await hydracore(t, '--help')).code).toBe(0);
    const unknown = await hydracore(t, 'frobnicate');
    expect(unknown.code).toBe(2);
    expect(unknown.err).toMatch(/unknown command "frobnicate"/);
    const missing = await hydracore(t, 'tenant', 'create', '--slug', 'x');
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/--name is required/);
  });

  it('mail retry puts parked mail that has not expired back in line, and only that', async () => {
    // Parked by an older version (which gave up after MAIL_MAX_ATTEMPTS); the CLI runs on the real clock.
    const now = Date.now();
    const parked = (to: string, expiresInMs: number) => parkMail(t.db, to, now, expiresInMs);
    await parked('live@example.com', 3_600_000);
    await parked('stale@example.com', -60_000);
    const retried = await hydracore(t, 'mail', 'retry');
    expect(retried.code).toBe(0);
    expect(JSON.parse(retried.out)).toEqual({ retryFailedMail: { requeued: 1 } });
    expect(await t.db('mail_outbox').where({ subject: 'Parked' }).orderBy('recipient').select('recipient', 'status')).toEqual([
      { recipient: 'live@example.com', status: 'pending' },
      { recipient: 'stale@example.com', status: 'failed' },
    ]);
    expect(JSON.parse((await hydracore(t, 'mail', 'retry')).out)).toEqual({ retryFailedMail: { requeued: 0 } });

    // Due now: the sender (whose clock is before the expiry) delivers it.
    t.clock.set(new Date());
    await t.app.mailSender.drain();
    expect(t.mail.to('live@example.com')).toHaveLength(1);
    expect(t.mail.to('stale@example.com')).toHaveLength(0);

    // Over /graphql it is a platform admin's mutation.
    const anonymous = await t.app.inject({ method: 'POST', url: '/graphql', payload: { query: 'mutation { retryFailedMail { requeued } }' } });
    expect(anonymous.json().errors[0].extensions.code).toBe('NOT_AUTHENTICATED');
  });
});
