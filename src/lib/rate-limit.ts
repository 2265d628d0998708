import type { Clock } from './clock';

export interface LimitDecision {
  allowed: boolean;
  /** Seconds until the window frees a slot (for `Retry-After`). */
  retryAfterSeconds: number;
}

/**
 * Counters for abuse limits: `consume` counts a request and says if it is within the limit;
 * `peek` only reads (for "N failures lock the address": check first, count on failure).
 * This in-memory store is per process; a shared store (Redis) makes several processes
 * enforce one limit.
 */
export interface RateLimiter {
  consume(key: string, limit: number, windowSeconds: number): Promise<LimitDecision>;
  peek(key: string, limit: number, windowSeconds: number): Promise<LimitDecision>;
  reset(key: string): Promise<void>;
}

/** Sliding log of hit times per key; old hits fall out of the window. */
export class MemoryRateLimiter implements RateLimiter {
  private readonly hits = new Map<string, number[]>();
  private lastSweep = 0;

  constructor(private readonly clock: Clock) {}

  async consume(key: string, limit: number, windowSeconds: number): Promise<LimitDecision> {
    const decision = await this.peek(key, limit, windowSeconds);
    if (decision.allowed) this.live(key, windowSeconds).push(this.clock.now().getTime());
    return decision;
  }

  async peek(key: string, limit: number, windowSeconds: number): Promise<LimitDecision> {
    const hits = this.live(key, windowSeconds);
    if (hits.length < limit) return { allowed: true, retryAfterSeconds: 0 };
    const freedAt = hits[hits.length - limit] + windowSeconds * 1000;
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((freedAt - this.clock.now().getTime()) / 1000)) };
  }

  async reset(key: string): Promise<void> {
    this.hits.delete(key);
  }

  private live(key: string, windowSeconds: number): number[] {
    const now = this.clock.now().getTime();
    this.sweep(now);
    const since = now - windowSeconds * 1000;
    const hits = (this.hits.get(key) ?? []).filter((t) => t > since);
    this.hits.set(key, hits);
    return hits;
  }

  /** Drops keys with no recent hits, so the map cannot grow without bound. */
  private sweep(now: number): void {
    if (now - this.lastSweep < 60_000) return;
    this.lastSweep = now;
    for (const [key, hits] of this.hits) if (hits.length === 0 || hits[hits.length - 1] < now - 86_400_000) this.hits.delete(key);
  }
}
