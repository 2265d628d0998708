import type { FastifyInstance, InjectOptions } from 'fastify';
import { startTestApp, type TestApp } from '../helpers/app';
import { engine } from '../helpers/db';
import { startProbeApp } from '../helpers/probe';

/**
 * The bridge's FastAPI/Starlette answers besides validation (CONTRACT section 2): routing and
 * limits over the real gateway, errors out of resolvers over a probe whose resolver fails on
 * demand. Validation answers: test/validation/legacy-422.test.ts.
 */
interface Case {
  name: string;
  request: InjectOptions;
  status: number;
  body: string;
  headers?: Record<string, string>;
}

const check = async (app: FastifyInstance, { request, status, body, headers }: Case) => {
  const res = await app.inject(request);
  expect(res.statusCode).toBe(status);
  expect(res.body).toBe(body);
  expect(res.headers['content-type']).toBe('application/json');
  for (const [name, value] of Object.entries(headers ?? {})) expect(res.headers[name]).toBe(value);
};

describe(`REST bridge: FastAPI-exact routing answers (${engine})`, () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  const cases: Case[] = [
    { name: 'unknown route', request: { method: 'GET', url: '/nowhere' }, status: 404, body: '{"detail":"Not Found"}' },
    {
      name: 'wrong method lists the allowed ones',
      request: { method: 'GET', url: '/auth/register' },
      status: 405,
      body: '{"detail":"Method Not Allowed"}',
      headers: { allow: 'POST' },
    },
    {
      name: 'body over 1 MiB',
      request: {
        method: 'POST',
        url: '/auth/register',
        payload: JSON.stringify({ email: 'a@example.com', password: 'x'.repeat(1024 * 1024) }),
        headers: { 'content-type': 'application/json' },
      },
      status: 413,
      body: '{"detail":"Request body too large"}',
    },
  ];

  it.each(cases)('$name', (c) => check(t.app, c));

  it('redirects a trailing slash like FastAPI (307)', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/auth/register/?x=1', headers: { host: 'api.example.com' } });
    expect(res.statusCode).toBe(307);
    expect(res.headers.location).toBe('http://api.example.com/auth/register?x=1');
  });
});

describe('REST bridge: errors out of resolvers', () => {
  let app: FastifyInstance;
  const logLines: string[] = [];

  beforeAll(async () => {
    app = await startProbeApp({ write: (line: string) => logLines.push(line) } as unknown as NodeJS.WritableStream);
  });
  afterAll(() => app.close());

  const cases: Case[] = [
    { name: 'domain error from the resolver', request: { method: 'GET', url: '/probe/fail/domain' }, status: 404, body: '{"detail":"Tenant not found"}' },
    { name: 'unexpected error is masked', request: { method: 'GET', url: '/probe/fail/crash' }, status: 500, body: '{"detail":"Internal Server Error"}' },
    { name: 'bare GraphQL error is masked too', request: { method: 'GET', url: '/probe/fail/graphql' }, status: 500, body: '{"detail":"Internal Server Error"}' },
  ];

  it.each(cases)('$name', (c) => check(app, c));

  it('logs a masked error with its request id and never sends the message', async () => {
    const res = await app.inject({ method: 'GET', url: '/probe/fail/crash' });
    expect(res.body).not.toContain('hunter2');
    const entry = logLines.map((l) => JSON.parse(l)).find((l) => l.msg === 'unexpected error in REST operation');
    expect(entry).toBeDefined();
    expect(entry.reqId).toEqual(expect.any(String));
    expect(entry.err.message).toContain('hunter2');
  });
});
