import { randomBytes } from 'node:crypto';
import { ManualClock } from '../../src/lib/clock';
import { COUNTER_ABOVE, MemoryRateLimiter, type RateLimiter } from '../../src/lib/rate-limit';
import { connectRedis, RedisRateLimiter } from '../../src/lib/redis-rate-limit';

describe('in-memory sliding-window limiter', () => {
  it('allows `limit` hits per window, says when the next one fits, and slides', async () => {
    const clock = new ManualClock(new Date('2026-01-01T00:00:00Z'));
    const limiter = new MemoryRateLimiter(clock);
    for (let i = 0; i < 3; i += 1) {
      expect(await limiter.consume('k', 3, 60)).toMatchObject({ allowed: true, retryAfterSeconds: 0 });
      clock.advance(10_000);
    }
    expect(await limiter.consume('k', 3, 60)).toEqual({ allowed: false, retryAfterSeconds: 30 }); // the first hit expires at 60 s
    expect(await limiter.peek('k', 3, 60)).toEqual({ allowed: false, retryAfterSeconds: 30 });
    clock.advance(30_000);
    expect((await limiter.consume('k', 3, 60)).allowed).toBe(true);
    expect((await limiter.consume('other', 3, 60)).allowed).toBe(true);
    await limiter.reset('k');
    expect((await limiter.peek('k', 1, 60)).allowed).toBe(true);
  });

  it('refund gives one counted hit back (reserve before a check, keep only failures)', async () => {
    const clock = new ManualClock(new Date('2026-01-01T00:00:00Z'));
    const limiter = new MemoryRateLimiter(clock);
    const first = await limiter.consume('k', 2, 60);
    clock.advance(1000);
    const second = await limiter.consume('k', 2, 60);
    expect((await limiter.consume('k', 2, 60)).allowed).toBe(false);
    await limiter.refund('k', second.hit as string);
    expect((await limiter.consume('k', 2, 60)).allowed).toBe(true);
    expect((await limiter.consume('k', 2, 60)).allowed).toBe(false);
    await limiter.refund('k', first.hit as string);
    await limiter.refund('k', first.hit as string); // a second refund of the same hit frees nothing more
    expect((await limiter.consume('k', 2, 60)).allowed).toBe(true);
    expect((await limiter.consume('k', 2, 60)).allowed).toBe(false);
  });

  it('peek never counts', async () => {
    const limiter = new MemoryRateLimiter(new ManualClock());
    for (let i = 0; i < 5; i += 1) expect((await limiter.peek('k', 1, 60)).allowed).toBe(true);
  });

  it('keeps exact counts for large limits over many hits', async () => {
    const clock = new ManualClock(new Date('2026-01-01T00:00:00Z'));
    const limiter = new MemoryRateLimiter(clock);
    for (let i = 0; i < 50_000; i += 1) {
      expect((await limiter.consume('ip', 50_000, 60)).allowed).toBe(true);
      if (i % 1000 === 0) clock.advance(1);
    }
    expect((await limiter.consume('ip', 50_000, 60)).allowed).toBe(false);
    clock.advance(60_000);
    expect((await limiter.consume('ip', 50_000, 60)).allowed).toBe(true);
  });
});

/** Budgets above COUNTER_ABOVE are sliding-window counters, in memory and in Redis alike. */
type OpenStore = (clock: ManualClock) => Promise<{ limiter: RateLimiter; close: () => Promise<void> }>;
const inMemory: OpenStore = async (clock) => ({ limiter: new MemoryRateLimiter(clock), close: async () => undefined });
const inRedis: OpenStore = async (clock) => {
  const redis = await connectRedis(process.env.TEST_REDIS_URL as string);
  return { limiter: new RedisRateLimiter(redis, clock, `test-${randomBytes(4).toString('hex')}:`), close: async () => void redis.disconnect() };
};
const stores: Array<[string, OpenStore]> = [['in memory', inMemory], ...(process.env.TEST_REDIS_URL ? [['in Redis', inRedis] as [string, OpenStore]] : [])];

describe.each(stores)('sliding-window counter for large budgets (%s)', (_store, open) => {
  const LIMIT = COUNTER_ABOVE + 500;

  it('allows exactly the limit among parallel callers in a window, and stores no hit per call', async () => {
    const clock = new ManualClock(new Date('2026-01-01T00:00:00Z'));
    const { limiter, close } = await open(clock);
    try {
      const decisions = await Promise.all(Array.from({ length: LIMIT + 200 }, () => limiter.consume('key', LIMIT, 60)));
      expect(decisions.filter((d) => d.allowed)).toHaveLength(LIMIT);
      const refused = decisions.find((d) => !d.allowed);
      expect(refused?.retryAfterSeconds).toBe(60); // nothing fades before this window ends
    } finally {
      await close();
    }
  });

  it('lets the previous window fade as the sliding window moves on, and refunds', async () => {
    const clock = new ManualClock(new Date('2026-01-01T00:00:00Z'));
    const { limiter, close } = await open(clock);
    try {
      for (let i = 0; i < LIMIT; i += 1) await limiter.consume('key', LIMIT, 60);
      expect((await limiter.consume('key', LIMIT, 60)).allowed).toBe(false);
      clock.advance(60_000 + 15_000); // a quarter into the next window: 3/4 of the old count still weighs
      const room = LIMIT - Math.ceil(LIMIT * 0.75);
      let allowed = 0;
      for (let i = 0; i < room + 50; i += 1) if ((await limiter.consume('key', LIMIT, 60)).allowed) allowed += 1;
      expect(Math.abs(allowed - room)).toBeLessThanOrEqual(1);
      const refused = await limiter.peek('key', LIMIT, 60);
      expect(refused.allowed).toBe(false);
      expect(refused.retryAfterSeconds).toBeGreaterThan(0);
      expect(refused.retryAfterSeconds).toBeLessThanOrEqual(45);
      clock.advance(refused.retryAfterSeconds * 1000);
      const after = await limiter.consume('key', LIMIT, 60);
      expect(after.allowed).toBe(true);
      await limiter.refund('key', after.hit as string);
      expect((await limiter.consume('key', LIMIT, 60)).allowed).toBe(true);
    } finally {
      await close();
    }
  });
});
