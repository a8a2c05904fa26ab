import type { RateLimitDecision, RateLimitRule, RateLimitStore } from "./rate-limit-store.js";

/** Windows one in-process store tracks at once, unless told otherwise (about 150 bytes each). */
const DEFAULT_MAX_KEYS = 100_000;

/** How often a full store may be scanned for ended windows. */
const FULL_SWEEP_INTERVAL_MS = 1000;

interface Window {
  count: number;
  resetAt: number;
}

export interface InProcessRateLimitStoreOptions {
  /** Open windows kept at once; see `InProcessRateLimitStore`. */
  maxKeys?: number;
}

/**
 * A `RateLimitStore` in this process's memory, for a single node. JavaScript runs each `hit`
 * to completion, which makes it atomic.
 *
 * Memory is bounded without ever forgetting a window that is still open: forgetting one
 * would hand an attacker fresh tries at an account (by spraying other keys until its count
 * is evicted). Ended windows are dropped, oldest first; when `maxKeys` windows are all still
 * open, a hit on a NEW key is refused until the oldest ends (fail closed), while keys already
 * counted carry on as usual.
 */
export class InProcessRateLimitStore implements RateLimitStore {
  /** In the order their windows opened, so ended ones are found at the front. */
  private readonly windows = new Map<string, Window>();
  private readonly maxKeys: number;
  private lastFullSweepAt = Number.NEGATIVE_INFINITY;

  constructor({ maxKeys = DEFAULT_MAX_KEYS }: InProcessRateLimitStoreOptions = {}) {
    this.maxKeys = maxKeys;
  }

  async hit(key: string, rule: RateLimitRule, now: number, weight = 1): Promise<RateLimitDecision> {
    let window = this.windows.get(key);
    if (window && window.resetAt <= now) {
      this.windows.delete(key);
      window = undefined;
    }
    if (!window) {
      this.dropEnded(now);
      if (this.windows.size >= this.maxKeys) {
        const oldest = this.windows.values().next().value;
        return { allowed: false, count: 0, resetAt: oldest?.resetAt ?? now + rule.windowMs };
      }
      window = { count: 0, resetAt: now + rule.windowMs };
      this.windows.set(key, window);
    }
    if (window.count + weight > rule.limit) return { allowed: false, count: window.count, resetAt: window.resetAt };
    window.count += weight;
    return { allowed: true, count: window.count, resetAt: window.resetAt };
  }

  async reset(key: string): Promise<void> {
    this.windows.delete(key);
  }

  /**
   * Drops ended windows from the front. Windows of different lengths may hide ended ones
   * behind an open one: when the store is full, they are looked for everywhere, at most once
   * a second so that a flood of new keys cannot make every hit scan the whole store.
   */
  private dropEnded(now: number): void {
    for (const [key, window] of this.windows) {
      if (window.resetAt > now) break;
      this.windows.delete(key);
    }
    if (this.windows.size < this.maxKeys || now - this.lastFullSweepAt < FULL_SWEEP_INTERVAL_MS) return;
    this.lastFullSweepAt = now;
    for (const [key, window] of this.windows) if (window.resetAt <= now) this.windows.delete(key);
  }
}
