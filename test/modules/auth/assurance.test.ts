import { startTestApp, type TestApp } from '../../helpers/app';
import { engine } from '../../helpers/db';
import { activeCustomer, seedShop } from '../../helpers/customers';
import { decodeJwt, post, registerOperator, verifiedOperator } from '../../helpers/auth';

/** Issue 18, item 4: access tokens say how their session's person proved who they are. */
describe(`assurance in access tokens (${engine})`, () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('a password sign-in is amr ["pwd"], aal1, and every refresh of the session says so again', async () => {
    const pair = await registerOperator(t, 'pwd@example.com');
    expect(decodeJwt(pair.access_token)).toMatchObject({ amr: ['pwd'], acr: 'aal1' });
    const refreshed = (await post(t, '/auth/refresh', { refresh_token: pair.refresh_token })).json();
    expect(decodeJwt(refreshed.access_token)).toMatchObject({ amr: ['pwd'], acr: 'aal1' });
  });

  it('a refresh carries a raised assurance (a step-up) into the next access token', async () => {
    const pair = await registerOperator(t, 'raised@example.com');
    const sid = String(decodeJwt(pair.access_token).sid);
    await t.db('sessions').where({ id: sid }).update({ amr: 'pwd otp', acr: 'aal2' });
    const refreshed = (await post(t, '/auth/refresh', { refresh_token: pair.refresh_token })).json();
    expect(decodeJwt(refreshed.access_token)).toMatchObject({ amr: ['pwd', 'otp'], acr: 'aal2' });
    // The grace answer (the previous token again, within 10 s) carries it too.
    const again = (await post(t, '/auth/refresh', { refresh_token: pair.refresh_token })).json();
    expect(decodeJwt(again.access_token)).toMatchObject({ amr: ['pwd', 'otp'], acr: 'aal2' });
  });

  it('signing in with the emailed verification code is amr ["email"], aal1', async () => {
    const pair = await verifiedOperator(t, 'verified@example.com');
    expect(decodeJwt(pair.access_token)).toMatchObject({ amr: ['email'], acr: 'aal1' });
  });

  it("a customer's portal token is amr [\"email\"], aal1", async () => {
    await seedShop(t, 'shop');
    const tokens = await activeCustomer(t, 'shop', 'portal@example.com');
    expect(decodeJwt(tokens.access_token)).toMatchObject({ amr: ['email'], acr: 'aal1' });
  });

  it('records the device a session started on', async () => {
    const res = await post(t, '/auth/register', { email: 'device@example.com', password: 'correct horse battery staple' }, { 'user-agent': 'Firefox/140.0' });
    const sid = String(decodeJwt(res.json().access_token).sid);
    const row = await t.db('sessions').where({ id: sid }).first('user_agent', 'ip', 'amr', 'acr');
    expect(row).toEqual({ user_agent: 'Firefox/140.0', ip: '127.0.0.1', amr: 'pwd', acr: 'aal1' });
  });
});
