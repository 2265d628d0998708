import { randomBytes } from 'node:crypto';
import pino from 'pino';
import { ManualClock } from '../../src/lib/clock';
import { MemoryRateLimiter } from '../../src/lib/rate-limit';
import { connectRedis, FallbackRateLimiter, RedisRateLimiter } from '../../src/lib/redis-rate-limit';
import { startTestApp } from '../helpers/app';
import { engine } from '../helpers/db';

const redisUrl = process.env.TEST_REDIS_URL;

describe(`per-IP rate limits (${engine})`, () => {
  it('answers 429 with Retry-After past the limit, in the REST and the GraphQL shape', async () => {
    const t = await startTestApp({ RATE_LIMIT_PER_IP: '3', RATE_LIMIT_WINDOW_SECONDS: '60' });
    try {
      for (let i = 0; i < 3; i += 1) expect((await t.app.inject({ method: 'GET', url: '/v1/public/signup/plans/x' })).statusCode).toBe(404);
      const rest = await t.app.inject({ method: 'GET', url: '/v1/public/signup/plans/x' });
      expect(rest.statusCode).toBe(429);
      expect(rest.body).toBe('{"detail":"Too many requests"}');
      expect(Number(rest.headers['retry-after'])).toBeGreaterThan(0);
      const graph = await t.app.inject({ method: 'POST', url: '/graphql', payload: { query: '{ __typename }' } });
      expect(graph.statusCode).toBe(429);
      expect(graph.json()).toEqual({ errors: [{ message: 'Too many requests', extensions: { code: 'RATE_LIMITED' } }] });
      // Shaped like Apollo's own answers (one function per surface, issue 15).
      expect(graph.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(Number(graph.headers['retry-after'])).toBeGreaterThan(0);
      // Probes are not limited.
      expect((await t.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
      t.clock.advance(61_000);
      expect((await t.app.inject({ method: 'GET', url: '/v1/public/signup/plans/x' })).statusCode).toBe(404);
    } finally {
      await t.close();
    }
  });

  it('a forged X-Forwarded-For does not reset the limit unless the proxy is trusted', async () => {
    const direct = await startTestApp({ RATE_LIMIT_PER_IP: '2' });
    try {
      for (let i = 0; i < 2; i += 1) await direct.app.inject({ method: 'GET', url: '/healthz-not' });
      const forged = await direct.app.inject({ method: 'GET', url: '/healthz-not', headers: { 'x-forwarded-for': '203.0.113.9' } });
      expect(forged.statusCode).toBe(429);
    } finally {
      await direct.close();
    }
    const proxied = await startTestApp({ RATE_LIMIT_PER_IP: '2', TRUST_PROXY: '127.0.0.1' });
    try {
      const from = (ip: string) => proxied.app.inject({ method: 'GET', url: '/nowhere', headers: { 'x-forwarded-for': ip } });
      expect((await from('203.0.113.1')).statusCode).toBe(404);
      expect((await from('203.0.113.1')).statusCode).toBe(404);
      expect((await from('203.0.113.1')).statusCode).toBe(429);
      expect((await from('203.0.113.2')).statusCode).toBe(404); // another client behind the proxy
    } finally {
      await proxied.close();
    }
  });

  it('X-Forwarded-For is believed only from a proxy TRUST_PROXY names (CIDR list, or a hop count)', async () => {
    const proxied = await startTestApp({ RATE_LIMIT_PER_IP: '2', TRUST_PROXY: '10.0.0.0/8, 192.0.2.1' });
    try {
      const from = (remoteAddress: string, client: string) =>
        proxied.app.inject({ method: 'GET', url: '/nowhere', remoteAddress, headers: { 'x-forwarded-for': client } });
      // Through a trusted proxy: each client behind it has its own count.
      expect((await from('10.1.2.3', '203.0.113.1')).statusCode).toBe(404);
      expect((await from('10.9.9.9', '203.0.113.1')).statusCode).toBe(404);
      expect((await from('192.0.2.1', '203.0.113.1')).statusCode).toBe(429);
      expect((await from('10.1.2.3', '203.0.113.2')).statusCode).toBe(404);
      // From an address it does not name: the header is ignored, the socket is the client.
      expect((await from('198.51.100.7', '203.0.113.3')).statusCode).toBe(404);
      expect((await from('198.51.100.7', '203.0.113.4')).statusCode).toBe(404);
      expect((await from('198.51.100.7', '203.0.113.5')).statusCode).toBe(429);
    } finally {
      await proxied.close();
    }
    // A hop count trusts that many hops from the socket (Fastify alone would ignore a number).
    const hops = await startTestApp({ RATE_LIMIT_PER_IP: '1', TRUST_PROXY: '1' });
    try {
      const from = (chain: string) => hops.app.inject({ method: 'GET', url: '/nowhere', remoteAddress: '10.0.0.1', headers: { 'x-forwarded-for': chain } });
      expect((await from('203.0.113.1')).statusCode).toBe(404);
      expect((await from('203.0.113.2')).statusCode).toBe(404);
      // Only the hop the proxy added counts: a client's own forged entries before it change nothing.
      expect((await from('198.51.100.1, 203.0.113.2')).statusCode).toBe(429);
    } finally {
      await hops.close();
    }
  });

  (redisUrl ? it : it.skip)('two gateways sharing Redis enforce one limit', async () => {
    const prefix = `test-${randomBytes(4).toString('hex')}:`;
    const env = { RATE_LIMIT_PER_IP: '4', REDIS_URL: redisUrl as string, REDIS_PREFIX: prefix };
    const [a, b] = [await startTestApp(env), await startTestApp(env)];
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 6; i += 1) statuses.push((await (i % 2 ? b : a).app.inject({ method: 'GET', url: '/nowhere' })).statusCode);
      expect(statuses).toEqual([404, 404, 404, 404, 429, 429]);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('falls back to in-process counters (never to no limit) when the shared store is down, and says so once', async () => {
    const lines: string[] = [];
    const log = pino({ level: 'warn' }, { write: (line: string) => lines.push(line) });
    const redis = await connectRedis('redis://127.0.0.1:1', 200); // nothing listens there
    redis.on('error', () => undefined);
    const clock = new ManualClock();
    const limiter = new FallbackRateLimiter(new RedisRateLimiter(redis, clock, 'x:'), new MemoryRateLimiter(clock), clock, log);
    try {
      expect((await limiter.consume('k', 2, 60)).allowed).toBe(true);
      expect((await limiter.consume('k', 2, 60)).allowed).toBe(true);
      expect(await limiter.consume('k', 2, 60)).toMatchObject({ allowed: false, retryAfterSeconds: 60 });
      expect(limiter.degraded).toBe(true);
      // A refund of a fallback hit frees its slot in the fallback.
      const held = await limiter.consume('r', 1, 60);
      expect(held.hit).toMatch(/^local:/);
      expect((await limiter.consume('r', 1, 60)).allowed).toBe(false);
      await limiter.refund('r', held.hit as string);
      expect((await limiter.consume('r', 1, 60)).allowed).toBe(true);
      // Logged once per outage, not once per request.
      expect(lines.filter((l) => l.includes('rate-limit store unavailable: limits fall back to in-process counters'))).toHaveLength(1);
    } finally {
      redis.disconnect();
    }
  });

  it('a gateway whose Redis is down still serves, keeps every limit per process, and says so in /readyz and /metrics', async () => {
    const t = await startTestApp({ REDIS_URL: 'redis://127.0.0.1:1', RATE_LIMIT_PER_IP: '2' });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 3; i += 1) statuses.push((await t.app.inject({ method: 'GET', url: '/v1/public/signup/plans/x' })).statusCode);
      expect(statuses).toEqual([404, 404, 429]);
      const ready = await t.app.inject({ method: 'GET', url: '/readyz' });
      expect(ready.statusCode).toBe(200);
      expect(ready.json()).toEqual({ status: 'degraded', degraded: { redis: 'unreachable: rate limits are enforced per process until it answers' } });
      expect((await t.app.inject({ method: 'GET', url: '/metrics' })).body).toMatch(/^hydracore_rate_limit_store_degraded 1$/m);
    } finally {
      await t.close();
    }
  });
});
