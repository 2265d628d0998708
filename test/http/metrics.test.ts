import fs from 'node:fs';
import path from 'node:path';
import { MAX_OPERATION_NAMES } from '../../src/http/metrics';
import { LIMITS } from '../../src/lib/limits';
import { NO_METRICS } from '../../src/lib/metrics';
import { startTestApp, type TestApp } from '../helpers/app';
import { graphql, post, registerOperator, lastCodeFor, PASSWORD } from '../helpers/auth';
import { seedShop, signup } from '../helpers/customers';
import { engine } from '../helpers/db';
import { enrolledOperator, mfaTokenFor, nextStep, totpNow, VERIFY_MFA, wrongCode } from '../helpers/mfa';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** /metrics, parsed: one sample per line that is not a comment. */
async function scrape(t: TestApp): Promise<Sample[]> {
  const res = await t.app.inject({ method: 'GET', url: '/metrics' });
  expect(res.statusCode).toBe(200);
  return res.body
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
      if (!match) throw new Error(`unparsable metrics line: ${line}`);
      const labels = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]));
      return { name: match[1], labels, value: Number(match[3]) };
    });
}

/** The value of the sample with exactly these labels (undefined when there is none). */
function valueOf(samples: Sample[], name: string, labels: Record<string, string> = {}): number | undefined {
  const wanted = JSON.stringify(Object.entries(labels).sort());
  return samples.find((s) => s.name === name && JSON.stringify(Object.entries(s.labels).sort()) === wanted)?.value;
}

/** How much each named series moved while `action` ran. */
async function moved(t: TestApp, series: Array<[string, Record<string, string>]>, action: () => Promise<unknown>): Promise<number[]> {
  const before = await scrape(t);
  await action();
  const after = await scrape(t);
  return series.map(([name, labels]) => (valueOf(after, name, labels) ?? 0) - (valueOf(before, name, labels) ?? 0));
}

describe(`/metrics: what operators watch (${engine})`, () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ LOGIN_MAX_FAILURES: '2' });
    await seedShop(t, 'alpha');
  });
  afterAll(() => t.close());

  it("names every gateway metric hydracore_* (only the process's default metrics keep their usual names)", async () => {
    const body = (await t.app.inject({ method: 'GET', url: '/metrics' })).body;
    const families = [...body.matchAll(/^# TYPE (\S+) \w+$/gm)].map((m) => m[1]);
    const ours = families.filter((name) => !/^(process|nodejs)_/.test(name));
    expect(ours.sort()).toEqual([
      'hydracore_argon2_queue_depth',
      'hydracore_graphql_operation_duration_seconds',
      'hydracore_http_request_duration_seconds',
      'hydracore_http_requests_total',
      'hydracore_limits_hit_total',
      'hydracore_logins_total',
      'hydracore_mail_outbox_backlog',
      'hydracore_mail_outbox_expired_total',
      'hydracore_mail_outbox_oldest_pending_age_seconds',
      'hydracore_one_time_codes_failed_total',
      'hydracore_one_time_codes_sent_total',
      'hydracore_rate_limit_store_degraded',
      'hydracore_refreshes_total',
    ]);
    // Samples too: nothing of ours outside the prefix.
    expect((await scrape(t)).filter((s) => !/^(hydracore|process|nodejs)_/.test(s.name))).toEqual([]);
  });

  it("the README's metrics table names every limit as a label value", () => {
    const readme = fs.readFileSync(path.resolve(__dirname, '..', '..', 'README.md'), 'utf8');
    const row = readme.split('\n').find((line) => line.startsWith('| `hydracore_limits_hit_total`')) ?? '';
    const named = [...row.matchAll(/`(\w+)`/g)].map((m) => m[1]).filter((name) => /^[a-z]+[A-Z]\w*$/.test(name)); // the camelCase names, not `limit`
    expect(named.sort()).toEqual(Object.keys(LIMITS).sort());
  });

  it('declares every label value at zero before anything happened', async () => {
    const samples = await scrape(t);
    for (const outcome of ['success', 'failure', 'locked', 'mfa']) expect(valueOf(samples, 'hydracore_logins_total', { outcome })).toBe(0);
    for (const outcome of ['rotated', 'grace', 'reuse', 'invalid']) expect(valueOf(samples, 'hydracore_refreshes_total', { outcome })).toBe(0);
    for (const limit of Object.keys(LIMITS)) expect(valueOf(samples, 'hydracore_limits_hit_total', { limit })).toBe(0);
  });

  it('counts logins by outcome: success, failure, locked (and the limit that locked it)', async () => {
    await registerOperator(t, 'login@example.com');
    const series: Array<[string, Record<string, string>]> = [
      ['hydracore_logins_total', { outcome: 'success' }],
      ['hydracore_logins_total', { outcome: 'failure' }],
      ['hydracore_logins_total', { outcome: 'locked' }],
      ['hydracore_limits_hit_total', { limit: 'loginFailuresPerAddress' }],
    ];
    expect(await moved(t, series, () => post(t, '/auth/login', { email: 'login@example.com', password: PASSWORD }))).toEqual([1, 0, 0, 0]);
    const basic = { authorization: `Basic ${Buffer.from(`login@example.com:${PASSWORD}`).toString('base64')}` };
    expect(await moved(t, series, () => t.app.inject({ method: 'POST', url: '/auth/token', headers: basic }))).toEqual([1, 0, 0, 0]);
    const wrong = () => post(t, '/auth/login', { email: 'login@example.com', password: 'not the passphrase' });
    expect(await moved(t, series, async () => [await wrong(), await wrong()])).toEqual([0, 2, 0, 0]);
    let locked: Awaited<ReturnType<typeof wrong>> | undefined;
    expect(
      await moved(t, series, async () => {
        locked = await wrong();
      }),
    ).toEqual([0, 0, 1, 1]);
    expect(locked?.statusCode).toBe(429);
  });

  it('counts sign-ins with a second factor: mfa while it is missing or wrong, success only when a session starts', async () => {
    const op = await enrolledOperator(t, 'mfa-metrics@example.com');
    const series: Array<[string, Record<string, string>]> = [
      ['hydracore_logins_total', { outcome: 'success' }],
      ['hydracore_logins_total', { outcome: 'failure' }],
      ['hydracore_logins_total', { outcome: 'locked' }],
      ['hydracore_logins_total', { outcome: 'mfa' }],
    ];
    const login = (otp?: string) => post(t, '/auth/login', { email: op.email, password: PASSWORD, ...(otp === undefined ? {} : { otp }) });
    const basic = { authorization: `Basic ${Buffer.from(`${op.email}:${PASSWORD}`).toString('base64')}` };
    const status = async (res: Promise<{ statusCode: number }>, expected: number) => expect((await res).statusCode).toBe(expected);
    const verify = async (mfaToken: string, code: string) => (await graphql(t, VERIFY_MFA, { mfaToken, code })).errors?.[0]?.extensions.code ?? 'ok';

    // The right password alone is no success: MFA_REQUIRED, on every door.
    expect(await moved(t, series, () => status(login(), 401))).toEqual([0, 0, 0, 1]);
    expect(await moved(t, series, () => status(t.app.inject({ method: 'POST', url: '/auth/token', headers: basic }), 401))).toEqual([0, 0, 0, 1]);
    const tokens: string[] = [];
    expect(await moved(t, series, async () => tokens.push(await mfaTokenFor(t, op.email), await mfaTokenFor(t, op.email)))).toEqual([0, 0, 0, 2]);
    // verifyMfa: a wrong code is mfa again, the right one the sign-in's success.
    expect(await moved(t, series, async () => expect(await verify(tokens[0], wrongCode(t, op.secret))).toBe('INVALID_MFA_CODE'))).toEqual([0, 0, 0, 1]);
    expect(await moved(t, series, async () => expect(await verify(tokens[0], totpNow(t, op.secret))).toBe('ok'))).toEqual([1, 0, 0, 0]);
    // A token that is no live challenge proves and guesses nothing: not counted.
    expect(await moved(t, series, async () => expect(await verify('made-up', totpNow(t, op.secret))).toBe('INVALID_MFA_TOKEN'))).toEqual([0, 0, 0, 0]);
    // The code with the password: success; a wrong one: mfa (and the address's second failure).
    nextStep(t);
    expect(await moved(t, series, () => status(login(totpNow(t, op.secret)), 200))).toEqual([1, 0, 0, 0]);
    expect(await moved(t, series, () => status(login(wrongCode(t, op.secret)), 401))).toEqual([0, 0, 0, 1]);
    // The address is locked now (LOGIN_MAX_FAILURES=2): a right code is refused before its check.
    nextStep(t);
    expect(await moved(t, series, async () => expect(await verify(tokens[1], totpNow(t, op.secret))).toBe('RATE_LIMITED'))).toEqual([0, 0, 1, 0]);
  });

  it('counts refreshes by outcome: rotated, grace, reuse, invalid', async () => {
    const pair = await registerOperator(t, 'refresh@example.com');
    const outcome = (o: string): [string, Record<string, string>] => ['hydracore_refreshes_total', { outcome: o }];
    const series = [outcome('rotated'), outcome('grace'), outcome('reuse'), outcome('invalid')];
    const refresh = (token: string) => post(t, '/auth/refresh', { refresh_token: token });
    expect(await moved(t, series, async () => expect((await refresh(pair.refresh_token)).statusCode).toBe(200))).toEqual([1, 0, 0, 0]);
    // Two tabs: the previous token within the grace window gets the same child.
    expect(await moved(t, series, async () => expect((await refresh(pair.refresh_token)).statusCode).toBe(200))).toEqual([0, 1, 0, 0]);
    t.clock.advance(60_000);
    expect(await moved(t, series, async () => expect((await refresh(pair.refresh_token)).statusCode).toBe(401))).toEqual([0, 0, 1, 0]);
    expect(await moved(t, series, async () => expect((await refresh('no-such-token')).statusCode).toBe(401))).toEqual([0, 0, 0, 1]);
  });

  it('counts one-time codes sent and failed, by purpose', async () => {
    const series: Array<[string, Record<string, string>]> = [
      ['hydracore_one_time_codes_sent_total', { purpose: 'verify_email' }],
      ['hydracore_one_time_codes_failed_total', { purpose: 'verify_email' }],
      ['hydracore_one_time_codes_sent_total', { purpose: 'signup_verify' }],
      ['hydracore_one_time_codes_failed_total', { purpose: 'signup_verify' }],
    ];
    expect(await moved(t, series, () => registerOperator(t, 'codes@example.com'))).toEqual([1, 0, 0, 0]);
    const code = await lastCodeFor(t, 'codes@example.com');
    const wrongCode = code === '000000' ? '111111' : '000000';
    expect(await moved(t, series, () => post(t, '/auth/verify-email', { code: wrongCode, email: 'codes@example.com' }))).toEqual([0, 1, 0, 0]);
    expect(await moved(t, series, () => signup(t, 'alpha', 'signup-codes@example.com'))).toEqual([0, 0, 1, 0]);
    expect(await moved(t, series, () => post(t, '/v1/public/signup/verify', { code: '000000', email: 'signup-codes@example.com', tenant_slug: 'alpha' }))).toEqual([0, 0, 0, 1]);
  });

  it('times GraphQL operations by name, on /graphql and through the REST bridge', async () => {
    const count = (surface: string, operation: string): [string, Record<string, string>] => ['hydracore_graphql_operation_duration_seconds_count', { surface, operation }];
    const series = [count('graphql', 'PlansOfAlpha'), count('graphql', 'anonymous'), count('graphql', 'other'), count('rest', 'PublicPlans')];
    const graphql = (query: string) => post(t, '/graphql', { query });
    expect(await moved(t, series, () => graphql('query PlansOfAlpha { publicPlans(tenantSlug: "alpha") { name } }'))).toEqual([1, 0, 0, 0]);
    expect(await moved(t, series, () => graphql('{ publicPlans(tenantSlug: "alpha") { name } }'))).toEqual([0, 1, 0, 0]);
    const longName = `Q${'x'.repeat(64)}`;
    expect(await moved(t, series, () => graphql(`query ${longName} { publicPlans(tenantSlug: "alpha") { name } }`))).toEqual([0, 0, 1, 0]);
    expect(await moved(t, series, () => t.app.inject({ method: 'GET', url: '/v1/public/signup/plans/alpha' }))).toEqual([0, 0, 0, 1]);
    const samples = await scrape(t);
    expect(samples.some((s) => s.labels.operation === longName)).toBe(false);
    expect(valueOf(samples, 'hydracore_graphql_operation_duration_seconds_bucket', { surface: 'rest', operation: 'PublicPlans', le: '+Inf' })).toBeGreaterThanOrEqual(1);
  });

  it(`keeps at most ${MAX_OPERATION_NAMES} operation names: a client inventing names cannot grow the series`, async () => {
    const other = await startTestApp();
    try {
      for (let i = 0; i < MAX_OPERATION_NAMES + 20; i += 1) {
        await post(other, '/graphql', { query: `query Invented${i} { publicPlans(tenantSlug: "nowhere") { name } }` });
      }
      const samples = (await scrape(other)).filter((s) => s.name === 'hydracore_graphql_operation_duration_seconds_count' && s.labels.surface === 'graphql');
      expect(samples.filter((s) => s.labels.operation.startsWith('Invented'))).toHaveLength(MAX_OPERATION_NAMES);
      expect(valueOf(samples, 'hydracore_graphql_operation_duration_seconds_count', { surface: 'graphql', operation: 'other' })).toBe(20);
    } finally {
      await other.close();
    }
  });

  it('with METRICS_ENABLED=false nothing is served, and counting costs nothing', async () => {
    const off = await startTestApp({ METRICS_ENABLED: 'false' });
    try {
      expect((await post(off, '/auth/login', { email: 'x@example.com', password: 'whatever passphrase' })).statusCode).toBe(401);
      expect(off.app.services.metrics).toBe(NO_METRICS);
      expect((await off.app.inject({ method: 'GET', url: '/metrics' })).statusCode).not.toBe(200);
    } finally {
      await off.close();
    }
  });
});
