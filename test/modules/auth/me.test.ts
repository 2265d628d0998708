import { createHmac } from 'node:crypto';
import { startTestApp, type TestApp } from '../../helpers/app';
import { engine } from '../../helpers/db';
import { bearer, graphql, post, registerOperator, verifiedOperator, type Pair } from '../../helpers/auth';
import { seedTenant } from '../../helpers/seed';

describe(`GET /auth/me and access tokens (${engine})`, () => {
  let t: TestApp;
  let pair: Pair;
  beforeAll(async () => {
    t = await startTestApp();
    pair = await registerOperator(t, 'Erin@Example.com');
  });
  afterAll(() => t.close());

  const me = (headers: Record<string, string>) => t.app.inject({ method: 'GET', url: '/auth/me', headers });

  it('describes the operator (unverified too) with the legacy keys', async () => {
    const res = await me(bearer(pair.access_token));
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(Object.keys(body)).toEqual(['id', 'email', 'email_verified', 'is_admin', 'created_at', 'tenants']);
    expect(body).toMatchObject({ email: 'Erin@example.com', email_verified: false, is_admin: false, tenants: [] });
    expect(body.created_at).toBe('2026-11-21T12:00:00Z');
  });

  it("lists the operator's tenants and roles", async () => {
    await seedTenant(t, 'zeta', 'Zeta Hosting');
    const { id } = (await me(bearer(pair.access_token))).json();
    const tenant = await t.db('tenants').where({ slug: 'zeta' }).first('id');
    await t.db('tenant_members').insert({ tenant_id: tenant.id, user_id: id, role: 'owner', created_at: new Date().toISOString() });
    const body = (await me(bearer(pair.access_token))).json();
    expect(body.tenants).toEqual([{ id: tenant.id, slug: 'zeta', name: 'Zeta Hosting', role: 'owner' }]);
  });

  it('accepts the access-token cookie, and the Authorization header wins over it', async () => {
    expect((await me({ cookie: `access_token=${pair.access_token}` })).statusCode).toBe(200);
    const both = await me({ ...bearer('not-a-token'), cookie: `access_token=${pair.access_token}` });
    expect(both.statusCode).toBe(401);
    expect(both.body).toBe('{"detail":"Could not validate credentials"}');
  });

  it.each([
    ['no credentials', {}],
    ['another scheme', { authorization: 'Basic dTpw' }],
    ['Bearer without a token', { authorization: 'Bearer ' }],
  ])('answers 401 Not authenticated for %s', async (_name, headers) => {
    const res = await me(headers as Record<string, string>);
    expect(res.statusCode).toBe(401);
    expect(res.body).toBe('{"detail":"Not authenticated"}');
    expect(res.headers['www-authenticate']).toBe('Bearer');
  });

  it('takes the scheme word in any case', async () => {
    expect((await me({ authorization: `bEaReR ${pair.access_token}` })).statusCode).toBe(200);
  });

  it.each([
    ['garbage', () => 'garbage'],
    ['a refresh token', () => pair.refresh_token],
    ['a tampered payload', () => {
      const [h, p, s] = pair.access_token.split('.');
      const claims = JSON.parse(Buffer.from(p, 'base64url').toString());
      return `${h}.${Buffer.from(JSON.stringify({ ...claims, sub: '00000000-0000-7000-8000-000000000000' })).toString('base64url')}.${s}`;
    }],
    ['alg none', () => {
      const [, p] = pair.access_token.split('.');
      return `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${p}.`;
    }],
    ['another secret', () => {
      const [h, p] = pair.access_token.split('.');
      return `${h}.${p}.${createHmac('sha256', 'another-secret-another-secret-another').update(`${h}.${p}`).digest('base64url')}`;
    }],
  ])('answers 401 Could not validate credentials for %s', async (_name, token) => {
    const res = await me(bearer(token()));
    expect(res.statusCode).toBe(401);
    expect(res.body).toBe('{"detail":"Could not validate credentials"}');
    expect(res.headers['www-authenticate']).toBe('Bearer');
  });

  it('rejects an expired access token (30 minutes)', async () => {
    const fresh = (await post(t, '/auth/login', { email: 'erin@example.com', password: 'correct horse battery staple' })).json();
    t.clock.advance(1799_000);
    expect((await me(bearer(fresh.access_token))).statusCode).toBe(200);
    t.clock.advance(2_000);
    expect((await me(bearer(fresh.access_token))).body).toBe('{"detail":"Could not validate credentials"}');
  });

  it('rejects the access token of a session that logged out', async () => {
    const session = (await post(t, '/auth/login', { email: 'erin@example.com', password: 'correct horse battery staple' })).json();
    expect((await post(t, '/auth/logout', { refresh_token: session.refresh_token })).statusCode).toBe(204);
    expect((await me(bearer(session.access_token))).statusCode).toBe(401);
  });

  it('is the `me` query over GraphQL', async () => {
    const session = (await post(t, '/auth/login', { email: 'erin@example.com', password: 'correct horse battery staple' })).json();
    const result = await graphql(t, '{ me { email emailVerified tenants { slug role } } }', {}, bearer(session.access_token));
    expect(result.data?.me).toEqual({ email: 'Erin@example.com', emailVerified: false, tenants: [{ slug: 'zeta', role: 'owner' }] });
    const anonymous = await graphql(t, '{ me { email } }');
    expect(anonymous.errors?.[0]).toMatchObject({ message: 'Not authenticated', extensions: { code: 'NOT_AUTHENTICATED' } });
  });

  it('an unverified operator gets 403 Email not verified where verification is required', async () => {
    const session = (await post(t, '/auth/login', { email: 'erin@example.com', password: 'correct horse battery staple' })).json();
    const result = await graphql(t, 'mutation { createPlan(input: { tenantSlug: "zeta", name: "x", price: "1" }) { id } }', {}, bearer(session.access_token));
    expect(result.errors?.[0]).toMatchObject({ message: 'Email not verified', extensions: { code: 'EMAIL_NOT_VERIFIED' } });
  });

  it('a verified owner may manage their tenant, but not create tenants or touch another tenant', async () => {
    const owner = await verifiedOperator(t, 'owner@example.com');
    const { id } = (await me(bearer(owner.access_token))).json();
    const zeta = await t.db('tenants').where({ slug: 'zeta' }).first('id');
    await t.db('tenant_members').insert({ tenant_id: zeta.id, user_id: id, role: 'admin', created_at: new Date().toISOString() });
    await seedTenant(t, 'elsewhere');
    const plan = await graphql(t, 'mutation { createPlan(input: { tenantSlug: "zeta", name: "basic", price: "3" }) { name } }', {}, bearer(owner.access_token));
    expect(plan.data?.createPlan).toEqual({ name: 'basic' });
    const other = await graphql(t, 'mutation { createPlan(input: { tenantSlug: "elsewhere", name: "x", price: "1" }) { name } }', {}, bearer(owner.access_token));
    expect(other.errors?.[0].extensions.code).toBe('TENANT_NOT_FOUND');
    const tenant = await graphql(t, 'mutation { createTenant(input: { slug: "mine", name: "Mine" }) { id } }', {}, bearer(owner.access_token));
    expect(tenant.errors?.[0]).toMatchObject({ message: 'Not enough permissions', extensions: { code: 'FORBIDDEN' } });
  });
});
