import type { FastifyBaseLogger } from 'fastify';
import Redis from 'ioredis';
import type { Clock } from './clock';
import type { LimitDecision, RateLimiter } from './rate-limit';

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

  peek(key: string, limit: number, windowSeconds: number): Promise<LimitDecision> {
    return this.run(key, limit, windowSeconds, false);
  }

  async reset(key: string): Promise<void> {
    await this.redis.del(this.prefix + key);
  }

  private async run(key: string, limit: number, windowSeconds: number, consume: boolean): Promise<LimitDecision> {
    const now = this.clock.now().getTime();
    this.sequence = (this.sequence + 1) % 1_000_000;
    const member = `${now}:${process.pid}:${this.sequence}:${Math.random()}`;
    const [allowed, retry] = (await this.redis.eval(SCRIPT, 1, this.prefix + key, now, windowSeconds * 1000, limit, consume ? '1' : '0', member)) as [number, number];
    return { allowed: allowed === 1, retryAfterSeconds: retry };
  }
}

/**
 * Limits fail open: if the shared store is down, requests pass (an identity service that
 * stops logging everyone in is worse than a limit briefly not enforced), and every failure
 * is logged at error level so the outage is seen.
 */
export class FailOpenRateLimiter implements RateLimiter {
  constructor(
    private readonly inner: RateLimiter,
    private readonly log: FastifyBaseLogger,
  ) {}

  consume(key: string, limit: number, windowSeconds: number): Promise<LimitDecision> {
    return this.guard(() => this.inner.consume(key, limit, windowSeconds));
  }

  peek(key: string, limit: number, windowSeconds: number): Promise<LimitDecision> {
    return this.guard(() => this.inner.peek(key, limit, windowSeconds));
  }

  async reset(key: string): Promise<void> {
    await this.guard(async () => {
      await this.inner.reset(key);
      return { allowed: true, retryAfterSeconds: 0 };
    });
  }

  private async guard(call: () => Promise<LimitDecision>): Promise<LimitDecision> {
    try {
      return await call();
    } catch (error) {
      this.log.error({ err: error }, 'rate-limit store unavailable: failing open');
      return { allowed: true, retryAfterSeconds: 0 };
    }
  }
}

/**
 * A Redis client that fails fast instead of queueing commands while disconnected (a limit
 * check must never hold a request). Resolves once connected, or after `waitMs` if Redis is
 * not there yet (the limiter then fails open until it is; ioredis keeps reconnecting).
 */
export async function connectRedis(url: string, waitMs = 2000): Promise<Redis> {
  const redis = new Redis(url, { maxRetriesPerRequest: 1, enableOfflineQueue: false, connectTimeout: waitMs });
  redis.on('error', () => undefined); // callers add their own logging listener; never crash on a lost connection
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, waitMs);
    redis.once('ready', () => {
      clearTimeout(timer);
      resolve();
    });
  });
  return redis;
}
