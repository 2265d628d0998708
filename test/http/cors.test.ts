import { startTestApp, testConfig, type TestApp } from '../helpers/app';
import { engine } from '../helpers/db';

const APP = 'http://localhost:5173';
const OTHER = 'https://evil.example';
const preflight = (t: TestApp, url: string, origin: string, method = 'POST') =>
  t.app.inject({ method: 'OPTIONS', url, headers: { origin, 'access-control-request-method': method, 'access-control-request-headers': 'content-type' } });
const corsHeaders = (headers: Record<string, unknown>) => Object.keys(headers).filter((name) => name.startsWith('access-control-'));

describe(`CORS for browser apps (${engine})`, () => {
  describe('with CORS_ORIGINS set', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp({ CORS_ORIGINS: `${APP}, https://app.example.com` });
    });
    afterAll(() => t.close());

    it.each(['/graphql', '/auth/login', '/auth/me', '/v1/public/signup', '/v1/customers/123e4567-e89b-12d3-a456-426614174000/pin'])('answers a listed origin\'s preflight to %s', async (url) => {
      const res = await preflight(t, url, APP, url.endsWith('/pin') ? 'DELETE' : 'POST');
      expect(res.statusCode).toBe(204);
      expect(res.headers['access-control-allow-origin']).toBe(APP);
      expect(res.headers['access-control-allow-credentials']).toBe('true');
      expect(String(res.headers['access-control-allow-methods']).split(', ')).toEqual(expect.arrayContaining(['GET', 'POST', 'PATCH', 'DELETE']));
      expect(String(res.headers['access-control-allow-headers'])).toContain('content-type');
      expect(res.headers.vary).toContain('Origin');
    });

    it('a listed origin\'s real request carries the CORS headers, with the legacy answer unchanged', async () => {
      const res = await t.app.inject({ method: 'POST', url: '/auth/login', headers: { origin: APP, 'content-type': 'application/json' }, payload: '{"email":"nobody@example.com","password":"wrong password"}' });
      expect(res.statusCode).toBe(401);
      expect(res.body).toBe('{"detail":"Invalid email or password"}');
      expect(res.headers['access-control-allow-origin']).toBe(APP);
      expect(res.headers['access-control-allow-credentials']).toBe('true');
      expect(String(res.headers['access-control-expose-headers'])).toContain('retry-after');
      const graph = await t.app.inject({ method: 'POST', url: '/graphql', headers: { origin: APP, 'content-type': 'application/json' }, payload: { query: '{ __typename }' } });
      expect(graph.json()).toEqual({ data: { __typename: 'Query' } });
      expect(graph.headers['access-control-allow-origin']).toBe(APP);
    });

    it('another origin gets no Access-Control-* header at all, and its preflight is refused as before', async () => {
      for (const url of ['/graphql', '/auth/login']) {
        const res = await preflight(t, url, OTHER);
        expect(corsHeaders(res.headers)).toEqual([]);
        expect(res.statusCode).not.toBe(204);
      }
      expect((await preflight(t, '/auth/login', OTHER)).body).toBe('{"detail":"Method Not Allowed"}');
      const real = await t.app.inject({ method: 'POST', url: '/graphql', headers: { origin: OTHER, 'content-type': 'application/json' }, payload: { query: '{ __typename }' } });
      expect(corsHeaders(real.headers)).toEqual([]);
      // An origin is matched exactly: no prefix, suffix or scheme games.
      for (const origin of [`${APP}.evil.example`, 'http://localhost:51730', 'https://localhost:5173', 'null']) {
        expect(corsHeaders((await preflight(t, '/graphql', origin)).headers)).toEqual([]);
      }
    });

    it("keeps Apollo's CSRF prevention: a simple GET without a preflight-forcing header is refused", async () => {
      const res = await t.app.inject({ method: 'GET', url: '/graphql?query=%7B__typename%7D', headers: { origin: APP } });
      expect(res.statusCode).toBe(400);
      expect(res.body).toContain('CSRF');
    });

    it('preflights are not counted by the anonymous flood guard', async () => {
      const limited = await startTestApp({ CORS_ORIGINS: APP, RATE_LIMIT_PER_IP: '2' });
      try {
        for (let i = 0; i < 5; i += 1) expect((await preflight(limited, '/graphql', APP)).statusCode).toBe(204);
        expect((await limited.app.inject({ method: 'GET', url: '/v1/public/signup/plans/x' })).statusCode).toBe(404);
      } finally {
        await limited.close();
      }
    });
  });

  it('without CORS_ORIGINS (the default) nothing changes: no CORS header, preflights answered as the legacy service did', async () => {
    const t = await startTestApp();
    try {
      const rest = await preflight(t, '/auth/login', APP);
      expect(rest.statusCode).toBe(405);
      expect(rest.body).toBe('{"detail":"Method Not Allowed"}');
      expect(corsHeaders(rest.headers)).toEqual([]);
      const real = await t.app.inject({ method: 'POST', url: '/auth/login', headers: { origin: APP, 'content-type': 'application/json' }, payload: '{"email":"nobody@example.com","password":"wrong password"}' });
      expect(corsHeaders(real.headers)).toEqual([]);
      expect(real.headers.vary).toBeUndefined();
    } finally {
      await t.close();
    }
  });

  it('refuses origins that are not exact', () => {
    for (const value of ['*', 'localhost:5173', 'http://localhost:5173/', 'http://localhost:5173/app', 'ftp://x.example']) {
      expect(() => testConfig({ CORS_ORIGINS: value })).toThrow(/CORS_ORIGINS must be exact origins/);
    }
  });

  describe('cookies for an app on another site', () => {
    it('COOKIE_SAMESITE=none needs COOKIE_SECURE=true', () => {
      expect(() => testConfig({ COOKIE_SAMESITE: 'none' })).toThrow(/COOKIE_SAMESITE=none needs COOKIE_SECURE=true/);
      expect(() => testConfig({ COOKIE_SAMESITE: 'sometimes' })).toThrow(/COOKIE_SAMESITE must be one of lax, strict, none/);
    });

    it.each([
      [{}, 'SameSite=lax'],
      [{ COOKIE_SAMESITE: 'strict' }, 'SameSite=strict'],
      [{ COOKIE_SAMESITE: 'none', COOKIE_SECURE: 'true' }, 'SameSite=none; Secure'],
    ])('with %j the auth cookies say %s (set and cleared)', async (env, attribute) => {
      const t = await startTestApp(env);
      try {
        const registered = await t.app.inject({ method: 'POST', url: '/auth/register', headers: { 'content-type': 'application/json' }, payload: '{"email":"samesite@example.com","password":"correct horse battery staple"}' });
        const set = registered.headers['set-cookie'] as string[];
        expect(set).toHaveLength(2);
        for (const cookie of set) expect(cookie.endsWith(`; Path=${cookie.startsWith('access_token') ? '/' : '/auth'}; ${attribute}`)).toBe(true);
        const out = await t.app.inject({ method: 'POST', url: '/auth/logout', headers: { 'content-type': 'application/json' }, payload: '{}' });
        for (const cookie of out.headers['set-cookie'] as string[]) expect(cookie.endsWith(attribute)).toBe(true);
      } finally {
        await t.close();
      }
    });
  });
});
