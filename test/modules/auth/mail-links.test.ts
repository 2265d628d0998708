import { startTestApp, testConfig, type TestApp } from '../../helpers/app';
import { lastMailTo, post, registerOperator } from '../../helpers/auth';
import { engine } from '../../helpers/db';

/** Every mailed link leads to the frontend's page: SITE_URL (default PUBLIC_URL) + the page's path. */
describe(`mailed links (${engine})`, () => {
  const linksIn = (text: string | undefined) => (text ?? '').match(/https?:\/\/\S+/g) ?? [];

  async function mailedLinks(env: Record<string, string>): Promise<{ verify: string[]; reset: string[] }> {
    const t: TestApp = await startTestApp(env);
    try {
      await registerOperator(t, 'Linked.Person+x@Example.com');
      const verify = linksIn((await lastMailTo(t, 'Linked.Person+x@example.com'))?.text);
      await post(t, '/auth/forgot-password', { email: 'linked.person+x@example.com' });
      const reset = linksIn((await lastMailTo(t, 'Linked.Person+x@example.com'))?.text);
      return { verify, reset };
    } finally {
      await t.close();
    }
  }

  it('by default they lead to PUBLIC_URL: /reset-password?token=… (CONTRACT) and /verify-email?email=…', async () => {
    const { verify, reset } = await mailedLinks({});
    expect(verify).toEqual(['https://id.hydracore.test/verify-email?email=Linked.Person%2Bx%40example.com']);
    expect(reset).toHaveLength(1);
    expect(reset[0]).toMatch(/^https:\/\/id\.hydracore\.test\/reset-password\?token=[A-Za-z0-9_-]{43}$/);
  });

  it('SITE_URL and the page paths move every link to the frontend', async () => {
    const { verify, reset } = await mailedLinks({ SITE_URL: 'https://app.example.com/', RESET_PASSWORD_PATH: '/account/new-password', VERIFY_EMAIL_PATH: '/signup/verify' });
    expect(verify).toEqual(['https://app.example.com/signup/verify?email=Linked.Person%2Bx%40example.com']);
    expect(reset[0]).toMatch(/^https:\/\/app\.example\.com\/account\/new-password\?token=[A-Za-z0-9_-]{43}$/);
  });

  it('refuses a page path that is not a plain path, and a SITE_URL that is not http(s)', () => {
    expect(() => testConfig({ RESET_PASSWORD_PATH: 'reset' })).toThrow(/RESET_PASSWORD_PATH must be a path starting with \//);
    expect(() => testConfig({ VERIFY_EMAIL_PATH: '/verify?x=1' })).toThrow(/VERIFY_EMAIL_PATH must be a path/);
    expect(() => testConfig({ SITE_URL: 'javascript:alert(1)' })).toThrow(/SITE_URL must be a URL/);
  });
});
