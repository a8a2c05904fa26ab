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
 *
 * While Redis cannot be reached, hits count in `fallback`, this node's own store: every limit
 * still holds per node (a cluster of N nodes lets N times the limit through) and writes go on,
 * where refusing them all would turn a Redis outage into an outage of sends and log-ins.
 */
export class RedisRateLimitStore implements RateLimitStore {
  constructor(
    private readonly redis: RedisConnection,
    private readonly namespace: string,
    private readonly fallback: RateLimitStore,
    private readonly onFallback: (error: unknown) => void,
  ) {}

  async hit(key: string, rule: RateLimitRule, now: number, weight = 1): Promise<RateLimitDecision> {
    let answer: [number, number, number];
    try {
      answer = (await this.redis.commands.eval(
        HIT,
        1,
        this.keyOf(key),
        Math.floor(now),
        rule.limit,
        rule.windowMs,
        weight,
      )) as [number, number, number];
    } catch (error) {
      this.onFallback(error);
      return this.fallback.hit(key, rule, now, weight);
    }
    const [allowed, count, resetAt] = answer;
    return { allowed: allowed === 1, count, resetAt };
  }

  async reset(key: string): Promise<void> {
    await this.fallback.reset(key);
    try {
      await this.redis.commands.del(this.keyOf(key));
    } catch (error) {
      this.onFallback(error);
    }
  }

  private keyOf(key: string): string {
    return this.redis.key(`${this.namespace}:${key}`);
  }
}
