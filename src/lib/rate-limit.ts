import type { Clock } from './clock';

export interface LimitDecision {
  allowed: boolean;
  /** Seconds until the window frees a slot (for `Retry-After`). */
  retryAfterSeconds: number;
  /** The hit `consume` counted (when allowed), to give back with `refund`. */
  hit?: string;
}

/**
 * Counters for abuse limits. `consume` decides and counts in one atomic step (in this
 * process, or in one Lua script on Redis): of N parallel callers at most `limit` are allowed.
 * `refund` gives a counted hit back, for limits that reserve before an expensive check and
 * keep only failures ("consume first, refund on success"). `peek` only reads.
 * This in-memory store is per process; a shared store (Redis) makes several processes
 * enforce one limit.
 */
export interface RateLimiter {
  /** A shared store that is unreachable, its limits enforced per process meanwhile. */
  readonly degraded?: boolean;
  consume(key: string, limit: number, windowSeconds: number): Promise<LimitDecision>;
  refund(key: string, hit: string): Promise<void>;
  peek(key: string, limit: number, windowSeconds: number): Promise<LimitDecision>;
  reset(key: string): Promise<void>;
}

/**
 * Limits above this many hits per window are kept as a sliding-window counter instead of a
 * log of every hit: two counts per key (this fixed window and the previous one), the
 * previous weighted by how much of it still overlaps the sliding window (Cloudflare's
 * approximation; exact within the first window, within a fraction of a percent after). A
 * budget of a million calls a minute must not cost a million stored hits, in memory or in
 * Redis. Small limits (login failures, codes, signups) stay exact logs.
 */
export const COUNTER_ABOVE = 1000;

export interface WindowCounts {
  /** Index of the current fixed window (`floor(now / window)`). */
  window: number;
  current: number;
  previous: number;
}

/**
 * Decides a sliding-window counter: allowed while the estimate is under the limit, else the
 * seconds until it will be (at least 1).
 */
export function decideCounter({ window, current, previous }: WindowCounts, limit: number, windowMs: number, now: number): LimitDecision {
  const elapsed = now - window * windowMs;
  const estimate = (previous * (windowMs - elapsed)) / windowMs + current;
  if (estimate < limit) return { allowed: true, retryAfterSeconds: 0 };
  // When the estimate falls under the limit: while this window lasts the previous count fades;
  // after it ends, this window's count fades in turn.
  const fadeNow = previous > 0 ? windowMs * (1 - (limit - current) / previous) - elapsed : Infinity;
  const wait = current < limit && fadeNow >= 0 && fadeNow <= windowMs - elapsed ? fadeNow : windowMs - elapsed + windowMs * (1 - limit / current);
  return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(wait / 1000)) };
}

/**
 * Sliding log of hit times per key. Hits arrive in time order, so expired ones are dropped
 * from the front: every check is O(1) amortised, whatever the limit (a per-IP limit of
 * thousands of requests a minute must not cost a scan of thousands of entries per request).
 */
class HitLog {
  private readonly times: number[] = [];
  private head = 0;

  expire(before: number): void {
    while (this.head < this.times.length && this.times[this.head] <= before) this.head += 1;
    if (this.head > 1024 && this.head * 2 > this.times.length) {
      this.times.splice(0, this.head);
      this.head = 0;
    }
  }

  get size(): number {
    return this.times.length - this.head;
  }

  /** The time of the hit that must expire before `limit` hits fit again. */
  blockingHit(limit: number): number {
    return this.times[this.times.length - limit];
  }

  get newest(): number | undefined {
    return this.size === 0 ? undefined : this.times[this.times.length - 1];
  }

  add(time: number): void {
    this.times.push(time);
  }

  /** Removes one live hit made at `time` (any one: hits at the same time count alike). */
  remove(time: number): void {
    const at = this.times.lastIndexOf(time);
    if (at >= this.head) this.times.splice(at, 1);
  }
}

/** A counter's hit names the fixed window it was counted in (to be given back to it). */
export const COUNTER_HIT = 'w:';

export class MemoryRateLimiter implements RateLimiter {
  private readonly logs = new Map<string, HitLog>();
  private readonly counters = new Map<string, WindowCounts & { touched: number }>();
  private lastSweep = 0;

  constructor(private readonly clock: Clock) {}

  async consume(key: string, limit: number, windowSeconds: number): Promise<LimitDecision> {
    if (limit > COUNTER_ABOVE) {
      const now = this.clock.now().getTime();
      const counts = this.counts(key, windowSeconds * 1000, now);
      const decision = decideCounter(counts, limit, windowSeconds * 1000, now);
      if (!decision.allowed) return decision;
      counts.current += 1;
      return { ...decision, hit: `${COUNTER_HIT}${counts.window}` };
    }
    const log = this.live(key, windowSeconds);
    const decision = this.decide(log, limit, windowSeconds);
    if (!decision.allowed) return decision;
    const now = this.clock.now().getTime();
    log.add(now);
    return { ...decision, hit: String(now) };
  }

  async refund(key: string, hit: string): Promise<void> {
    if (hit.startsWith(COUNTER_HIT)) {
      const counts = this.counters.get(key);
      const window = Number(hit.slice(COUNTER_HIT.length));
      if (counts?.window === window && counts.current > 0) counts.current -= 1;
      else if (counts?.window === window + 1 && counts.previous > 0) counts.previous -= 1;
      return;
    }
    this.logs.get(key)?.remove(Number(hit));
  }

  async peek(key: string, limit: number, windowSeconds: number): Promise<LimitDecision> {
    if (limit > COUNTER_ABOVE) {
      const now = this.clock.now().getTime();
      return decideCounter(this.counts(key, windowSeconds * 1000, now), limit, windowSeconds * 1000, now);
    }
    return this.decide(this.live(key, windowSeconds), limit, windowSeconds);
  }

  async reset(key: string): Promise<void> {
    this.logs.delete(key);
    this.counters.delete(key);
  }

  /** The key's counts, moved on to the window `now` falls in. */
  private counts(key: string, windowMs: number, now: number): WindowCounts {
    this.sweep(now);
    const window = Math.floor(now / windowMs);
    let counts = this.counters.get(key);
    if (!counts) this.counters.set(key, (counts = { window, current: 0, previous: 0, touched: now }));
    counts.touched = now;
    if (counts.window !== window) {
      counts.previous = counts.window === window - 1 ? counts.current : 0;
      counts.current = 0;
      counts.window = window;
    }
    return counts;
  }

  private decide(log: HitLog, limit: number, windowSeconds: number): LimitDecision {
    if (log.size < limit) return { allowed: true, retryAfterSeconds: 0 };
    const freedAt = log.blockingHit(limit) + windowSeconds * 1000;
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((freedAt - this.clock.now().getTime()) / 1000)) };
  }

  private live(key: string, windowSeconds: number): HitLog {
    const now = this.clock.now().getTime();
    this.sweep(now);
    let log = this.logs.get(key);
    if (!log) this.logs.set(key, (log = new HitLog()));
    log.expire(now - windowSeconds * 1000);
    return log;
  }

  /** Drops keys with no hit in a day, so the map cannot grow without bound. */
  private sweep(now: number): void {
    if (now - this.lastSweep < 60_000) return;
    this.lastSweep = now;
    for (const [key, log] of this.logs) {
      const newest = log.newest;
      if (newest === undefined || newest < now - 86_400_000) this.logs.delete(key);
    }
    for (const [key, counts] of this.counters) if (counts.touched < now - 86_400_000) this.counters.delete(key);
  }
}
