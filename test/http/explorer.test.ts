import { startTestApp, type TestApp } from '../helpers/app';
import { engine } from '../helpers/db';

/**
 * Regression: with GRAPHIQL_ENABLED=false or DOCS_ENABLED=false (production), /graphiql and
 * /docs answered 405 `Allow: GET, HEAD`, as if the page existed under another method. A
 * disabled page is not there: 404 `{"detail":"Not Found"}` (CONTRACT section 2).
 */
describe(`disabled explorer pages answer 404 (${engine})`, () => {
  let off: TestApp;
  let on: TestApp;
  beforeAll(async () => {
    off = await startTestApp({ GRAPHIQL_ENABLED: 'false', DOCS_ENABLED: 'false' });
    on = await startTestApp({ GRAPHIQL_ENABLED: 'true', DOCS_ENABLED: 'true' });
  });
  afterAll(async () => {
    await off.close();
    await on.close();
  });

  const paths = ['/graphiql', '/docs', '/graphiql/assets/app.js', '/docs/assets/app.js'];

  it.each(paths)('%s, disabled, is 404 Not Found for every method', async (url) => {
    for (const method of ['GET', 'HEAD', 'POST', 'DELETE'] as const) {
      const res = await off.app.inject({ method, url });
      expect(res.statusCode).toBe(404);
      expect(res.headers.allow).toBeUndefined();
      if (method !== 'HEAD') expect(res.body).toBe('{"detail":"Not Found"}');
    }
  });

  it.each(paths)('%s, enabled, is served (and another method is 405)', async (url) => {
    expect((await on.app.inject({ method: 'GET', url })).statusCode).toBe(200);
    const post = await on.app.inject({ method: 'POST', url });
    expect(post.statusCode).toBe(405);
    expect(post.headers.allow).toBe('GET, HEAD');
  });

  it('the OpenAPI document stays served either way', async () => {
    expect((await off.app.inject({ method: 'GET', url: '/openapi.json' })).statusCode).toBe(200);
    expect((await off.app.inject({ method: 'POST', url: '/openapi.json' })).statusCode).toBe(405);
  });
});
