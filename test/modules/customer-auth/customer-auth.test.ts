import { cookieDate } from '../../../src/lib/cookies';
import { startTestApp, type TestApp } from '../../helpers/app';
import { engine } from '../../helpers/db';
import { bearer, graphql, lastCodeFor, mailCount, post, registerOperator, setCookies } from '../../helpers/auth';
import { activeCustomer, seedShop, signup } from '../../helpers/customers';

describe(`customer portal login (${engine})`, () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
    await seedShop(t, 'acme');
    await seedShop(t, 'beta');
    await activeCustomer(t, 'acme', 'cust@example.com');
  });
  afterAll(() => t.close());

  const login = (email: string, tenant_slug = 'acme') => post(t, '/v1/customer-auth/login', { email, tenant_slug });
  const codeBody = async (email: string, tenant_slug = 'acme') => ({ code: await lastCodeFor(t, email), email, tenant_slug });

  it('login always answers {} and mails a code only to an active customer of that tenant', async () => {
    await signup(t, 'acme', 'pending@example.com', 'Pending Co');
    const mailsBefore = await mailCount(t, 'pending@example.com');
    for (const [email, tenant] of [['cust@example.com', 'acme'], ['nobody@example.com', 'acme'], ['cust@example.com', 'beta'], ['cust@example.com', 'nope'], ['pending@example.com', 'acme']]) {
      const res = await login(email, tenant);
      expect(res.statusCode).toBe(200);
      expect(res.body).toBe('{}');
    }
    expect(await mailCount(t, 'cust@example.com')).toBe(2); // signup code + this login code
    expect(await mailCount(t, 'nobody@example.com')).toBe(0);
    expect(await mailCount(t, 'pending@example.com')).toBe(mailsBefore);
  });

  it('verify answers portal tokens with cookies; token answers them without', async () => {
    t.clock.advance(61_000);
    await login('cust@example.com');
    const verified = await post(t, '/v1/customer-auth/verify', await codeBody('cust@example.com'));
    expect(verified.statusCode).toBe(200);
    expect(verified.json()).toMatchObject({ expires_in: 3600, token_type: 'bearer' });
    expect(setCookies(verified)).toHaveLength(2);
    t.clock.advance(61_000);
    await login('cust@example.com');
    const token = await post(t, '/v1/customer-auth/token', await codeBody('cust@example.com'));
    expect(token.statusCode).toBe(200);
    expect(token.headers['set-cookie']).toBeUndefined();
  });

  it('refuses a wrong code, a spent code, and a code used against another tenant', async () => {
    t.clock.advance(61_000);
    await login('cust@example.com');
    const body = await codeBody('cust@example.com');
    const wrong = await post(t, '/v1/customer-auth/verify', { ...body, code: body.code === '000000' ? '111111' : '000000' });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.body).toBe('{"detail":"Invalid or expired code"}');
    expect((await post(t, '/v1/customer-auth/verify', { ...body, tenant_slug: 'beta' })).statusCode).toBe(400);
    expect((await post(t, '/v1/customer-auth/token', body)).statusCode).toBe(200);
    expect((await post(t, '/v1/customer-auth/token', body)).statusCode).toBe(400);
  });

  it('refresh rotates (also from the portal cookie), and a replayed token revokes the session', async () => {
    const tokens = await activeCustomer(t, 'acme', 'rot@example.com', 'Rot Co');
    const viaCookie = await t.app.inject({
      method: 'POST',
      url: '/v1/customer-auth/refresh',
      payload: '{"refresh_token":""}',
      headers: { 'content-type': 'application/json', cookie: `portal_refresh_token=${tokens.refresh_token}` },
    });
    expect(viaCookie.statusCode).toBe(200);
    expect(setCookies(viaCookie)[1]).toMatch(/^portal_refresh_token=[\w-]+; HttpOnly; Max-Age=2592000; Path=\/v1; SameSite=lax$/);
    t.clock.advance(10_001);
    const replay = await post(t, '/v1/customer-auth/refresh', { refresh_token: tokens.refresh_token });
    expect(replay.statusCode).toBe(401);
    expect(replay.body).toBe('{"detail":"Invalid refresh token"}');
    expect((await post(t, '/v1/customer-auth/refresh', { refresh_token: viaCookie.json().refresh_token })).statusCode).toBe(401);
  });

  it('logout revokes the session and clears the portal cookies', async () => {
    const tokens = await activeCustomer(t, 'acme', 'out@example.com', 'Out Co');
    const res = await post(t, '/v1/customer-auth/logout', { refresh_token: tokens.refresh_token });
    expect(res.statusCode).toBe(204);
    const expires = cookieDate(t.clock.now());
    expect(setCookies(res)).toEqual([
      `portal_access_token=""; expires=${expires}; HttpOnly; Max-Age=0; Path=/; SameSite=lax`,
      `portal_refresh_token=""; expires=${expires}; HttpOnly; Max-Age=0; Path=/v1; SameSite=lax`,
    ]);
    expect((await post(t, '/v1/customer-auth/refresh', { refresh_token: tokens.refresh_token })).statusCode).toBe(401);
    expect((await post(t, '/v1/customer-auth/logout', { refresh_token: 'garbage' })).statusCode).toBe(204);
  });

  it('customer and operator tokens are never interchangeable', async () => {
    const customer = await activeCustomer(t, 'acme', 'kind@example.com', 'Kind Co');
    const operator = await registerOperator(t, 'op@example.com');
    const me = await t.app.inject({ method: 'GET', url: '/auth/me', headers: bearer(customer.access_token) });
    expect(me.statusCode).toBe(401);
    expect(me.body).toBe('{"detail":"Could not validate credentials"}');
    const portal = await graphql(t, '{ portalMe { email } }', {}, bearer(operator.access_token));
    expect(portal.errors?.[0]).toMatchObject({ message: "This operation needs a customer's (portal) access token", extensions: { code: 'CUSTOMER_TOKEN_REQUIRED', expected: ['customer'] } });
    expect((await post(t, '/auth/refresh', { refresh_token: customer.refresh_token })).statusCode).toBe(401);
    expect((await post(t, '/v1/customer-auth/refresh', { refresh_token: operator.refresh_token })).statusCode).toBe(401);
    // The operator cookie is not read where a customer is expected, nor the reverse.
    const cookieOnly = await graphql(t, '{ portalMe { email } }', {}, { cookie: `access_token=${operator.access_token}` });
    expect(cookieOnly.errors?.[0].extensions.code).toBe('NOT_AUTHENTICATED');
  });

  it('portalMe shows the signed-in customer and their site over GraphQL', async () => {
    const tokens = await activeCustomer(t, 'acme', 'portal@example.com', 'Portal Co');
    const viaHeader = await graphql(t, '{ portalMe { email companyName plan status siteUrl } }', {}, bearer(tokens.access_token));
    expect(viaHeader.data?.portalMe).toEqual({ email: 'portal@example.com', companyName: 'Portal Co', plan: 'starter', status: 'active', siteUrl: 'https://portal-co.sites.acme.example.com' });
    const viaCookie = await graphql(t, '{ portalMe { email } }', {}, { cookie: `portal_access_token=${tokens.access_token}` });
    expect(viaCookie.data?.portalMe.email).toBe('portal@example.com');
  });

  it('customer login is limited per client IP', async () => {
    const limited = await startTestApp({ MAIL_REQUESTS_PER_IP: '2' });
    try {
      for (let i = 0; i < 2; i += 1) expect((await post(limited, '/v1/customer-auth/login', { email: 'a@example.com', tenant_slug: 'x' })).statusCode).toBe(200);
      const res = await post(limited, '/v1/customer-auth/login', { email: 'a@example.com', tenant_slug: 'x' });
      expect(res.statusCode).toBe(429);
      expect(res.headers['retry-after']).toBeDefined();
    } finally {
      await limited.close();
    }
  });

  it('customerLogin, customerVerify, customerRefresh and customerLogout are GraphQL mutations', async () => {
    const tokens = await activeCustomer(t, 'acme', 'gq@example.com', 'Gq Co');
    expect((await graphql(t, 'mutation { customerLogin(input: { email: "gq@example.com", tenantSlug: "acme" }) }')).data?.customerLogin).toBe(true);
    const verified = await graphql(t, 'mutation($i: CustomerCodeInput!) { customerVerify(input: $i) { tokenType expiresIn } }', { i: { code: await lastCodeFor(t, 'gq@example.com'), email: 'gq@example.com', tenantSlug: 'acme' } });
    expect(verified.data?.customerVerify).toEqual({ tokenType: 'bearer', expiresIn: 3600 });
    const refreshed = await graphql(t, 'mutation($i: RefreshInput!) { customerRefresh(input: $i) { refreshToken } }', { i: { refreshToken: tokens.refresh_token } });
    const out = await graphql(t, 'mutation($i: RefreshInput!) { customerLogout(input: $i) }', { i: { refreshToken: refreshed.data?.customerRefresh.refreshToken } });
    expect(out.data?.customerLogout).toBe(true);
  });
});
