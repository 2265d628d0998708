import fc from 'fast-check';
import { legacyRoutes } from '../../src/rest/routes';
import { startTestApp, type TestApp } from '../helpers/app';
import { engine } from '../helpers/db';

/**
 * Bad input never hurts: thousands of random and malformed requests to every legacy route
 * and to /graphql. No answer is a 500, every 4xx body has the contract's shape, and the
 * server still answers afterwards.
 */
const RUNS = Number(process.env.FUZZ_RUNS ?? 5000);

const methods = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD'] as const;
const paths = [...new Set(legacyRoutes.map((r) => r.path))];

const nasty = fc.oneof(
  fc.string(),
  fc.string({ unit: 'grapheme' }),
  fc.string({ unit: 'binary' }),
  fc.constantFrom('', ' ', '\u0000', '💥', 'a'.repeat(5000), '../../etc/passwd', "' OR 1=1 --", 'null', '1e309', '-0', '__proto__'),
);
const jsonValue = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.constant(null),
    fc.boolean(),
    fc.integer(),
    fc.double(),
    nasty,
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.oneof(nasty, fc.constantFrom('email', 'password', 'code', 'pin', 'skill', 'tenant_slug', 'refresh_token', 'company_name', 'plan', 'new_password', 'token', 'pin_applies_to', 'pin_required_skills', 'pin_session_ttl_minutes')), tie('value'), { maxKeys: 6 }),
  ),
})).value;

const body = fc.oneof(
  jsonValue.map((v) => JSON.stringify(v)),
  nasty,
  fc.constantFrom('{', '{"email":', '[[[[[[[[', '{"a":1,}', '{"a":"\\ud800"}', '{"a":NaN}', '\ufeff{}', '[' .repeat(3000), '{"a":' + '1'.repeat(5000) + '}'),
  fc.uint8Array({ maxLength: 64 }).map((bytes) => Buffer.from(bytes).toString('latin1')),
);

const uuidish = fc.oneof(fc.uuid(), nasty.map((s) => encodeURIComponent(s).slice(0, 80) || 'x'), fc.constantFrom('00000000-0000-0000-0000-000000000000', 'not-a-uuid', '%00', '..'));
const header = fc.oneof(fc.constant(undefined), nasty.map((s) => s.replace(/[^\x20-\x7e]/g, '').slice(0, 200)));

const request = fc.record({
  method: fc.constantFrom(...methods),
  path: fc.oneof(
    fc.constantFrom(...paths).chain((p) => uuidish.map((id) => p.replace(/\{\w+\}/g, id))),
    fc.constantFrom('/graphql', '/graphql?query=%7B__typename%7D', '/nowhere', '/auth/', '/v1//pin', '/.well-known/jwks.json'),
  ),
  body,
  contentType: fc.constantFrom(undefined, 'application/json', 'text/plain', 'application/x-www-form-urlencoded', 'application/vnd.api+json', 'application/json; charset=latin1', 'multipart/form-data; boundary=x'),
  authorization: fc.oneof(header, fc.constantFrom('Bearer', 'Bearer ', 'Basic', 'Basic %%%', 'Basic dTpw', 'Bearer a.b.c', 'bearer eyJhbGciOiJub25lIn0.e30.')),
  apiKey: header,
  cookie: fc.oneof(header, fc.constantFrom('access_token=x', 'portal_access_token=a.b.c; refresh_token=', 'refresh_token="')),
});

function hasContractShape(status: number, path: string, text: string): boolean {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return false;
  }
  if (path.startsWith('/graphql') && parsed !== null && typeof parsed === 'object' && 'errors' in parsed) return Array.isArray((parsed as { errors: unknown }).errors);
  if (parsed === null || typeof parsed !== 'object' || !('detail' in parsed)) return false;
  const { detail } = parsed as { detail: unknown };
  if (typeof detail === 'string') return true;
  return (
    status === 422 &&
    Array.isArray(detail) &&
    detail.every((d) => d !== null && typeof d === 'object' && Object.keys(d).slice(0, 4).join(',') === 'type,loc,msg,input')
  );
}

describe(`fuzzing the HTTP surface (${engine})`, () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('regression: a NUL character in a path parameter answered 500 on PostgreSQL (found by this fuzzer)', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/v1/public/signup/plans/%00' });
    expect(res.statusCode).toBe(400);
    expect(res.body).toBe('{"detail":"Text must not contain NUL characters"}');
  });

  it('regression: a URL that does not decode answered Fastify\'s own 400 body (found by this fuzzer)', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/v1/customers/%E0%A0%8/pin' });
    expect(res.statusCode).toBe(404);
    expect(res.body).toBe('{"detail":"Not Found"}');
  });

  it(`${RUNS} random and malformed requests: no 500, contract-shaped 4xx, still up`, async () => {
    const counts = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        const headers: Record<string, string> = {};
        if (r.contentType) headers['content-type'] = r.contentType;
        if (r.authorization) headers.authorization = r.authorization;
        if (r.apiKey) headers['x-api-key'] = r.apiKey;
        if (r.cookie) headers.cookie = r.cookie;
        const res = await t.app.inject({ method: r.method, url: r.path, headers, payload: ['GET', 'HEAD'].includes(r.method) ? undefined : r.body });
        counts.set(res.statusCode, (counts.get(res.statusCode) ?? 0) + 1);
        if (res.statusCode >= 500) throw new Error(`${res.statusCode} for ${JSON.stringify(r).slice(0, 500)}: ${res.body.slice(0, 300)}`);
        if (res.statusCode >= 400 && r.method !== 'HEAD' && !hasContractShape(res.statusCode, r.path, res.body)) {
          throw new Error(`unexpected ${res.statusCode} body for ${JSON.stringify(r).slice(0, 300)}: ${res.body.slice(0, 300)}`);
        }
      }),
      { numRuns: RUNS, seed: Number(process.env.FUZZ_SEED ?? 20261121) },
    );
    expect([...counts.values()].reduce((a, b) => a + b, 0)).toBe(RUNS);
    const health = await t.app.inject({ method: 'GET', url: '/healthz' });
    expect(health.json()).toEqual({ status: 'ok' });
  }, 300_000);
});
