import { Writable } from 'node:stream';
import { startTestApp, type TestApp } from '../helpers/app';
import { engine } from '../helpers/db';
import { post } from '../helpers/auth';

/** A log captured through the app's logStream option, line by line. */
function capture(): { stream: Writable; lines: string[]; since(mark: number): string[] } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  return { stream, lines, since: (mark) => lines.slice(mark) };
}

type Line = Record<string, unknown> & { level: number; msg: string; reqId?: string; req?: Record<string, unknown>; res?: Record<string, unknown> };
const parsed = (lines: string[]): Line[] => lines.map((line) => JSON.parse(line) as Line);

describe(`request log lines (${engine})`, () => {
  let t: TestApp;
  const log = capture();
  beforeAll(async () => {
    t = await startTestApp({ LOG_LEVEL: 'info' }, log.stream);
  });
  afterAll(() => t.close());

  it('writes one line per request: method, path without the query, status, time and request id', async () => {
    const mark = log.lines.length;
    const res = await t.app.inject({ method: 'GET', url: '/v1/public/signup/plans/nowhere?token=query-secret-1' });
    expect(res.statusCode).toBe(404);
    const lines = parsed(log.since(mark));
    expect(lines).toHaveLength(1);
    const [line] = lines;
    expect(line).toMatchObject({ level: 30, msg: 'request completed', req: { method: 'GET', url: '/v1/public/signup/plans/nowhere' }, res: { statusCode: 404 } });
    expect(typeof line.responseTime).toBe('number');
    expect(line.reqId).toBe(res.headers['x-request-id']);
    expect(JSON.stringify(lines)).not.toContain('query-secret-1');
    expect(lines.some((l) => l.msg === 'incoming request')).toBe(false);
  });

  it('logs probes and scrapes at debug, not info', async () => {
    const mark = log.lines.length;
    for (const url of ['/healthz', '/readyz', '/metrics']) expect((await t.app.inject({ method: 'GET', url })).statusCode).toBe(200);
    expect(log.since(mark)).toEqual([]);

    const debugLog = capture();
    const debug = await startTestApp({ LOG_LEVEL: 'debug' }, debugLog.stream);
    try {
      for (const url of ['/healthz', '/readyz', '/metrics']) await debug.app.inject({ method: 'GET', url });
      await debug.app.inject({ method: 'GET', url: '/v1/public/signup/plans/nowhere' });
      const lines = parsed(debugLog.lines).filter((l) => l.msg === 'request completed');
      expect(lines.map((l) => [l.req?.url, l.level])).toEqual([
        ['/healthz', 20],
        ['/readyz', 20],
        ['/metrics', 20],
        ['/v1/public/signup/plans/nowhere', 30],
      ]);
    } finally {
      await debug.close();
    }
  });

  it('hides one-time codes, but not the code of an error', async () => {
    const mark = log.lines.length;
    const connectionError = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    t.app.log.error(
      {
        err: connectionError,
        input: { code: '246810', email: 'a@example.com' },
        body: { code: '135791' },
        variables: { input: { code: '975313' } },
        operation: { variables: { code: '864202' }, input: { code: '112358' } },
        error: { extensions: { code: 'BAD_USER_INPUT' } },
        extensions: { code: 'RATE_LIMITED' },
      },
      'a failure with codes of both kinds',
    );
    const [line] = parsed(log.since(mark));
    for (const code of ['246810', '135791', '975313', '864202', '112358']) expect(JSON.stringify(line)).not.toContain(code);
    expect(line).toMatchObject({
      err: { code: 'ECONNREFUSED' },
      input: { code: '[redacted]', email: 'a@example.com' },
      body: { code: '[redacted]' },
      variables: { input: { code: '[redacted]' } },
      operation: { variables: { code: '[redacted]' }, input: { code: '[redacted]' } },
      error: { extensions: { code: 'BAD_USER_INPUT' } },
      extensions: { code: 'RATE_LIMITED' },
    });
  });

  it('hides second factors: otp, the X-OTP header and mfaTokens', async () => {
    const mark = log.lines.length;
    t.app.log.error(
      {
        req: { headers: { 'x-otp': '314159' } },
        body: { email: 'a@example.com', otp: '271828' },
        variables: { mfaToken: 'challenge-secret-1', code: '161803' },
        operation: { variables: { input: { otp: '141421' }, mfaToken: 'challenge-secret-2' } },
        error: { extensions: { code: 'MFA_REQUIRED', mfaToken: 'challenge-secret-3' } },
      },
      'a failure with second factors',
    );
    const text = log.since(mark).join('\n');
    for (const secret of ['314159', '271828', 'challenge-secret-1', '161803', '141421', 'challenge-secret-2', 'challenge-secret-3']) expect(text).not.toContain(secret);
    expect(text).toContain('MFA_REQUIRED');
  });

  it("a Redis that does not answer is reported once, with the error's code", async () => {
    const redisLog = capture();
    const down = await startTestApp({ LOG_LEVEL: 'info', REDIS_URL: 'redis://:hunter2@127.0.0.1:1' }, redisLog.stream);
    try {
      await down.app.inject({ method: 'GET', url: '/v1/public/signup/plans/nowhere' });
      await new Promise((resolve) => setTimeout(resolve, 500)); // ioredis keeps retrying meanwhile
      const lines = parsed(redisLog.lines).filter((l) => l.msg.startsWith('REDIS_URL'));
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatchObject({ level: 40, err: { code: 'ECONNREFUSED' } });
      expect(lines[0].msg).toBe('REDIS_URL: cannot reach redis://:***@127.0.0.1:1 (ECONNREFUSED): rate limits are enforced per process until it answers');
      expect(redisLog.lines.join('\n')).not.toContain('hunter2');
    } finally {
      await down.close();
    }
  });
});

describe(`LOG_FORMAT=pretty (${engine})`, () => {
  it('writes readable lines, a request on one line, with the same redaction', async () => {
    const log = capture();
    const t = await startTestApp({ LOG_LEVEL: 'info', LOG_FORMAT: 'pretty' }, log.stream);
    try {
      const res = await post(t, '/auth/login', { email: 'nobody@example.com', password: 'pretty-wrong-passphrase' });
      expect(res.statusCode).toBe(401);
      t.app.log.info({ input: { password: 'pretty-secret-1', code: '424242' }, err: Object.assign(new Error('down'), { code: 'ECONNRESET' }) }, 'with secrets');
      const text = log.lines.join('\n');
      expect(() => JSON.parse(log.lines[0])).toThrow();
      expect(text).toMatch(new RegExp(`INFO: POST /auth/login 401 \\d+\\.\\d ms \\[${res.headers['x-request-id']}\\]`));
      expect(text).toContain('INFO: with secrets');
      expect(text).toContain('[redacted]');
      expect(text).toContain('ECONNRESET');
      for (const secret of ['pretty-secret-1', '424242', 'pretty-wrong-passphrase']) expect(text).not.toContain(secret);
    } finally {
      await t.close();
    }
  });

  it('json writes one JSON object per line', async () => {
    const log = capture();
    const t = await startTestApp({ LOG_LEVEL: 'info', LOG_FORMAT: 'json' }, log.stream);
    try {
      await t.app.inject({ method: 'GET', url: '/v1/public/signup/plans/nowhere' });
      expect(log.lines.length).toBeGreaterThan(0);
      for (const line of log.lines) expect(JSON.parse(line)).toHaveProperty('level');
    } finally {
      await t.close();
    }
  });
});
