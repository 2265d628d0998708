import type { FastifyBaseLogger } from 'fastify';
import Redis from 'ioredis';
import type { Clock } from './clock';
import { COUNTER_ABOVE, COUNTER_HIT, decideCounter, MemoryRateLimiter, type LimitDecision, type RateLimiter } from './rate-limit';

/**
 * A sliding-window log per key in a Redis sorted set, updated by one Lua script so that the
 * check and the count are atomic across every gateway process sharing the Redis.
 * Returns {allowed (0/1), retry-after seconds}.
 */
const SCRIPT = `
local key, now, window, limit, consume, member = KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4], ARGV[5]
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
local count = redis.call('ZCARD', key)
if count < limit then
  if consume == '1' then
    redis.call('ZADD', key, now, member)
    redis.call('PEXPIRE', key, window)
  end
  return {1, 0}
end
local oldest = redis.call('ZRANGE', key, count - limit, count - limit, 'WITHSCORES')
local retry = math.ceil((tonumber(oldest[2]) + window - now) / 1000)
if retry < 1 then retry = 1 end
return {0, retry}
`;

/**
 * A sliding-window counter (limits above COUNTER_ABOVE): a hash per key with a count per fixed
 * window; the script counts a hit when the estimate allows it, atomically. Returns
 * {allowed (0/1), window, current, previous}: the caller computes Retry-After.
 */
const COUNTER_SCRIPT = `
local key, now, window, limit, consume = KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4]
local w = math.floor(now / window)
local current = tonumber(redis.call('HGET', key, tostring(w)) or '0')
local previous = tonumber(redis.call('HGET', key, tostring(w - 1)) or '0')
local estimate = previous * (window - (now - w * window)) / window + current
if estimate < limit and consume == '1' then
  current = redis.call('HINCRBY', key, tostring(w), 1)
  redis.call('HDEL', key, tostring(w - 2))
  redis.call('PEXPIRE', key, window * 2)
  return {1, w, current, previous}
end
return {estimate < limit and 1 or 0, w, current, previous}
`;

const COUNTER_REFUND_SCRIPT = `
if tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '0') > 0 then redis.call('HINCRBY', KEYS[1], ARGV[1], -1) end
return 1
`;

export class RedisRateLimiter implements RateLimiter {
  private sequence = 0;

  constructor(
    private readonly redis: Redis,
    private readonly clock: Clock,
    private readonly prefix = 'hydracore:rl:',
  ) {}

  consume(key: string, limit: number, windowSeconds: number): Promise<LimitDecision> {
    return this.run(key, limit, windowSeconds, true);
  }

  async refund(key: string, hit: string): Promise<void> {
    if (hit.startsWith(COUNTER_HIT)) await this.redis.eval(COUNTER_REFUND_SCRIPT, 1, this.counterKey(key), hit.slice(COUNTER_HIT.length));
    else await this.redis.zrem(this.prefix + key, hit);
  }

  peek(key: string, limit: number, windowSeconds: number): Promise<LimitDecision> {
    return this.run(key, limit, windowSeconds, false);
  }

  async reset(key: string): Promise<void> {
    await this.redis.del(this.prefix + key, this.counterKey(key));
  }

  /** Counters live beside the logs (a key's budget may move across COUNTER_ABOVE). */
  private counterKey(key: string): string {
    return `${this.prefix}${key}:counter`;
  }

  private async run(key: string, limit: number, windowSeconds: number, consume: boolean): Promise<LimitDecision> {
    const now = this.clock.now().getTime();
    if (limit > COUNTER_ABOVE) {
      const windowMs = windowSeconds * 1000;
      const [allowed, window, current, previous] = (await this.redis.eval(COUNTER_SCRIPT, 1, this.counterKey(key), now, windowMs, limit, consume ? '1' : '0')) as number[];
      if (allowed === 1) return consume ? { allowed: true, retryAfterSeconds: 0, hit: `${COUNTER_HIT}${window}` } : { allowed: true, retryAfterSeconds: 0 };
      const decision = decideCounter({ window, current, previous }, limit, windowMs, now);
      return decision.allowed ? { allowed: false, retryAfterSeconds: 1 } : decision; // Lua's rounding had the last word
    }
    this.sequence = (this.sequence + 1) % 1_000_000;
    const member = `${now}:${process.pid}:${this.sequence}:${Math.random()}`;
    const [allowed, retry] = (await this.redis.eval(SCRIPT, 1, this.prefix + key, now, windowSeconds * 1000, limit, consume ? '1' : '0', member)) as [number, number];
    if (allowed !== 1) return { allowed: false, retryAfterSeconds: retry };
    return consume ? { allowed: true, retryAfterSeconds: 0, hit: member } : { allowed: true, retryAfterSeconds: 0 };
  }
}

const LOCAL_HIT = 'local:';

/**
 * The shared store with an in-process insurance: while Redis is unreachable every limit is
 * still enforced, per process, by in-memory counters (never "no limit": a login lock that
 * turns off when Redis does is no lock). Each process then allows up to the limit itself, so
 * N processes allow up to N times it until Redis is back. The outage is logged once when it
 * starts and once when it ends, and shown by `degraded` (in `/readyz` details and `/metrics`).
 */
export class FallbackRateLimiter implements RateLimiter {
  private degradedSince: Date | undefined;

  constructor(
    private readonly shared: RateLimiter,
    private readonly local: MemoryRateLimiter,
    private readonly clock: Clock,
    private readonly log: FastifyBaseLogger,
  ) {}

  /** True while the shared store is unreachable and counters are per process. */
  get degraded(): boolean {
    return this.degradedSince !== undefined;
  }

  async consume(key: string, limit: number, windowSeconds: number): Promise<LimitDecision> {
    const decision = await this.guard(() => this.shared.consume(key, limit, windowSeconds));
    if (decision) return decision;
    const local = await this.local.consume(key, limit, windowSeconds);
    return local.hit === undefined ? local : { ...local, hit: LOCAL_HIT + local.hit };
  }

  async refund(key: string, hit: string): Promise<void> {
    if (hit.startsWith(LOCAL_HIT)) return this.local.refund(key, hit.slice(LOCAL_HIT.length));
    await this.guard(async () => {
      await this.shared.refund(key, hit);
      return { allowed: true, retryAfterSeconds: 0 };
    });
  }

  async peek(key: string, limit: number, windowSeconds: number): Promise<LimitDecision> {
    return (await this.guard(() => this.shared.peek(key, limit, windowSeconds))) ?? this.local.peek(key, limit, windowSeconds);
  }

  async reset(key: string): Promise<void> {
    await this.local.reset(key);
    await this.guard(async () => {
      await this.shared.reset(key);
      return { allowed: true, retryAfterSeconds: 0 };
    });
  }

  private async guard(call: () => Promise<LimitDecision>): Promise<LimitDecision | undefined> {
    try {
      const decision = await call();
      if (this.degradedSince) {
        this.log.warn({ since: this.degradedSince.toISOString() }, 'rate-limit store is back: limits are shared again');
        this.degradedSince = undefined;
      }
      return decision;
    } catch (error) {
      if (!this.degradedSince) {
        this.degradedSince = this.clock.now();
        this.log.error({ err: error }, 'rate-limit store unavailable: limits fall back to in-process counters');
      }
      return undefined;
    }
  }
}

/**
 * A Redis client that fails fast instead of queueing commands while disconnected (a limit
 * check must never hold a request). Resolves once connected, or after `waitMs` if Redis is
 * not there yet (the limiter then falls back to in-process counters until it is; ioredis keeps
 * reconnecting). `onError` hears every connection error from the first attempt on.
 */
export async function connectRedis(url: string, waitMs = 2000, onError: (error: Error) => void = () => undefined): Promise<Redis> {
  const redis = new Redis(url, { maxRetriesPerRequest: 1, enableOfflineQueue: false, connectTimeout: waitMs });
  redis.on('error', onError); // a listener is required: an 'error' without one would crash the process
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, waitMs);
    redis.once('ready', () => {
      clearTimeout(timer);
      resolve();
    });
  });
  return redis;
}
