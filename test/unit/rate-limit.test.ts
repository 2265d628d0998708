import { ManualClock } from '../../src/lib/clock';
import { MemoryRateLimiter } from '../../src/lib/rate-limit';

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
