import type { RedisConnection } from "../redis/redis-connection.js";
import type { RateLimitDecision, RateLimitRule, RateLimitStore } from "./rate-limit-store.js";

/**
 * One hit of a weight, atomically (Redis runs a script to completion): opens a new window when
 * the key has none or its window ended on the caller's clock, refuses without counting when
 * the weight would pass the limit, counts it otherwise. The key expires on Redis's clock one window after it opened,
 * which only frees memory: the window's end is decided by `resetAt`, on the callers' clock.
 * Answers {allowed 0|1, count, resetAt}.
 */
const HIT = `
local now = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
local windowMs = tonumber(ARGV[3])
local weight = tonumber(ARGV[4])
local window = redis.call('HMGET', KEYS[1], 'count', 'resetAt')
local count = tonumber(window[1])
local resetAt = tonumber(window[2])
if count == nil or resetAt == nil or resetAt <= now then
  count = 0
  resetAt = now + windowMs
  redis.call('HSET', KEYS[1], 'count', 0, 'resetAt', resetAt)
  redis.call('PEXPIRE', KEYS[1], windowMs)
end
if count + weight > limit then return {0, count, resetAt} end
count = redis.call('HINCRBY', KEYS[1], 'count', weight)
return {1, count, resetAt}
`;

/**
 * A `RateLimitStore` on Redis, shared by every node on the same prefix: a throttle counts
 * the attempts made on all nodes together. `namespace` keeps stores apart, as the
 * in-process stores are kept apart.
 */
export class RedisRateLimitStore implements RateLimitStore {
  constructor(
    private readonly redis: RedisConnection,
    private readonly namespace: string,
  ) {}

  async hit(key: string, rule: RateLimitRule, now: number, weight = 1): Promise<RateLimitDecision> {
    const [allowed, count, resetAt] = (await this.redis.commands.eval(
      HIT,
      1,
      this.keyOf(key),
      Math.floor(now),
      rule.limit,
      rule.windowMs,
      weight,
    )) as [number, number, number];
    return { allowed: allowed === 1, count, resetAt };
  }

  async reset(key: string): Promise<void> {
    await this.redis.commands.del(this.keyOf(key));
  }

  private keyOf(key: string): string {
    return this.redis.key(`${this.namespace}:${key}`);
  }
}
