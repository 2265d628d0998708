import { sha256Hex } from '../../../src/lib/secrets';
import { cookieDate } from '../../../src/lib/cookies';
import { startTestApp, type TestApp } from '../../helpers/app';
import { engine } from '../../helpers/db';
import { bearer, graphql, post, registerOperator, setCookies, type Pair } from '../../helpers/auth';

describe(`refresh-token rotation and logout (${engine})`, () => {
  let t: TestApp;
  let n = 0;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  const fresh = async (): Promise<Pair> => registerOperator(t, `user${(n += 1)}@example.com`);
  const refresh = (token: string) => post(t, '/auth/refresh', { refresh_token: token });
  const me = (token: string) => t.app.inject({ method: 'GET', url: '/auth/me', headers: bearer(token) });
  const sessions = async () => t.db('sessions').select('id', 'revoked_at', 'revoked_reason');

  it('rotates the pair and sets new cookies', async () => {
    const first = await fresh();
    const res = await refresh(first.refresh_token);
    expect(res.statusCode).toBe(200);
    const second = res.json();
    expect(second.refresh_token).not.toBe(first.refresh_token);
    expect(second.access_token).not.toBe(first.access_token);
    expect(setCookies(res)[1]).toBe(`refresh_token=${second.refresh_token}; HttpOnly; Max-Age=2592000; Path=/auth; SameSite=lax`);
    expect((await me(second.access_token)).statusCode).toBe(200);
  });

  it('takes the refresh token from the cookie when the body leaves it empty', async () => {
    const first = await fresh();
    const res = await t.app.inject({
      method: 'POST',
      url: '/auth/refresh',
      payload: '{}',
      headers: { 'content-type': 'application/json', cookie: `refresh_token=${first.refresh_token}` },
    });
    expect(res.statusCode).toBe(200);
  });

  it('answers 401 Invalid refresh token for an unknown, empty or expired token', async () => {
    for (const token of ['nope', '']) {
      const res = await refresh(token);
      expect(res.statusCode).toBe(401);
      expect(res.body).toBe('{"detail":"Invalid refresh token"}');
    }
    const old = await fresh();
    t.clock.advance(30 * 86_400_000 + 1000);
    expect((await refresh(old.refresh_token)).statusCode).toBe(401);
  });

  it('20 concurrent refreshes with one token all succeed inside the grace window, in one family', async () => {
    const first = await fresh();
    const before = (await sessions()).length;
    const results = await Promise.all(Array.from({ length: 20 }, () => refresh(first.refresh_token)));
    expect(results.map((r) => r.statusCode)).toEqual(Array(20).fill(200));
    const all = await sessions();
    expect(all.length).toBe(before); // no new session: the same family
    expect(all.filter((s) => s.revoked_at !== null && s.revoked_reason === 'reuse')).toHaveLength(0);
    // Every answered pair works.
    for (const r of results) expect((await me(r.json().access_token)).statusCode).toBe(200);
    // Issue 12: the grace answers with the current child instead of minting 19 independent
    // branches that reuse detection would never relate. One family, one live refresh token.
    const tokens = new Set(results.map((r) => r.json().refresh_token));
    expect(tokens.size).toBe(1);
    const session = await t.db('refresh_tokens').where({ token_hash: sha256Hex(first.refresh_token) }).first('session_id');
    const live = await t.db('refresh_tokens').where({ session_id: session.session_id }).whereNull('rotated_at');
    expect(live).toHaveLength(1);
    // The child rotates on as usual, and the parent replayed after that revokes the family.
    const next = await refresh([...tokens][0]);
    expect(next.statusCode).toBe(200);
    expect((await refresh(first.refresh_token)).statusCode).toBe(401);
    expect((await refresh(next.json().refresh_token)).statusCode).toBe(401);
  });

  it('the grace child is stored sealed: the database alone does not yield a usable token', async () => {
    const first = await fresh();
    const second = (await refresh(first.refresh_token)).json();
    const parent = await t.db('refresh_tokens').where({ token_hash: sha256Hex(first.refresh_token) }).first('child_sealed');
    expect(parent.child_sealed).toEqual(expect.any(String));
    expect(parent.child_sealed).not.toContain(second.refresh_token);
    expect(Buffer.from(parent.child_sealed, 'base64url').toString('latin1')).not.toContain(second.refresh_token);
    // Within the grace, the previous token gets that same child back, over GraphQL too.
    const again = await graphql(t, 'mutation($i: RefreshInput!) { refresh(input: $i) { refreshToken } }', { i: { refreshToken: first.refresh_token } });
    expect(again.data?.refresh.refreshToken).toBe(second.refresh_token);
  });

  it('replaying the previous token after 10 seconds revokes the whole family', async () => {
    const first = await fresh();
    const second = (await refresh(first.refresh_token)).json();
    t.clock.advance(10_001);
    const replay = await refresh(first.refresh_token);
    expect(replay.statusCode).toBe(401);
    expect(replay.body).toBe('{"detail":"Invalid refresh token"}');
    // The legitimate holder's tokens die with the family.
    expect((await refresh(second.refresh_token)).statusCode).toBe(401);
    expect((await me(second.access_token)).statusCode).toBe(401);
  });

  it('replaying an older token, even within 10 seconds, revokes the family once it moved on', async () => {
    const first = await fresh();
    const second = (await refresh(first.refresh_token)).json();
    const third = (await refresh(second.refresh_token)).json();
    expect((await refresh(first.refresh_token)).statusCode).toBe(401);
    expect((await refresh(third.refresh_token)).statusCode).toBe(401);
  });

  it('logout revokes the family, clears the cookies, and never fails', async () => {
    const pair = await fresh();
    const res = await post(t, '/auth/logout', { refresh_token: pair.refresh_token });
    expect(res.statusCode).toBe(204);
    expect(res.body).toBe('');
    const expires = cookieDate(t.clock.now()); // deleted cookies expire now (Starlette's delete_cookie)
    expect(setCookies(res)).toEqual([
      `access_token=""; expires=${expires}; HttpOnly; Max-Age=0; Path=/; SameSite=lax`,
      `refresh_token=""; expires=${expires}; HttpOnly; Max-Age=0; Path=/auth; SameSite=lax`,
    ]);
    expect((await refresh(pair.refresh_token)).statusCode).toBe(401);
    expect((await me(pair.access_token)).statusCode).toBe(401);
    for (const payload of [{ refresh_token: 'garbage' }, {}, { refresh_token: pair.refresh_token }]) {
      expect((await post(t, '/auth/logout', payload)).statusCode).toBe(204);
    }
  });

  it('logout with the refresh cookie only', async () => {
    const pair = await fresh();
    const res = await t.app.inject({
      method: 'POST',
      url: '/auth/logout',
      payload: '{"refresh_token":""}',
      headers: { 'content-type': 'application/json', cookie: `refresh_token=${pair.refresh_token}` },
    });
    expect(res.statusCode).toBe(204);
    expect((await refresh(pair.refresh_token)).statusCode).toBe(401);
  });

  it('refresh and logout are GraphQL mutations', async () => {
    const pair = await fresh();
    const rotated = await graphql(t, 'mutation($i: RefreshInput!) { refresh(input: $i) { refreshToken tokenType } }', { i: { refreshToken: pair.refresh_token } });
    expect(rotated.data?.refresh.tokenType).toBe('bearer');
    const out = await graphql(t, 'mutation($i: RefreshInput!) { logout(input: $i) }', { i: { refreshToken: rotated.data?.refresh.refreshToken } });
    expect(out.data?.logout).toBe(true);
    const again = await graphql(t, 'mutation($i: RefreshInput!) { refresh(input: $i) { tokenType } }', { i: { refreshToken: rotated.data?.refresh.refreshToken } });
    expect(again.errors?.[0]).toMatchObject({ message: 'Invalid refresh token', extensions: { code: 'INVALID_REFRESH_TOKEN' } });
  });
});
