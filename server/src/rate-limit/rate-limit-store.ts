/** At most `limit` hits per fixed window of `windowMs`. */
export interface RateLimitRule {
  limit: number;
  windowMs: number;
}

/** The answer to one hit. */
export interface RateLimitDecision {
  /** Whether the hit was counted. A refused hit is not counted and uses up nothing. */
  allowed: boolean;
  /** The weight counted in the key's current window, this hit's included when allowed. */
  count: number;
  /** When the key's current window ends (ms since the epoch): a refused caller may retry then. */
  resetAt: number;
}

/**
 * Where rate limits and throttles count, so that several server nodes can share one count
 * (the in-process store serves one node; a Redis store serves a cluster). Keys are opaque
 * strings that the callers namespace (`login:user:alice`, `signup:addr:10.0.0.1`).
 *
 * Windows are fixed: a key's window opens at the first hit counted after its previous window
 * ended (or after `reset`) and lasts `rule.windowMs`, measured on the `now` the caller passes,
 * so every node and test clock agrees on when it ends. Every method is async so that a store
 * across the network fits.
 */
export interface RateLimitStore {
  /**
   * Counts a hit of `weight` (1 unless said: an upload counts its bytes) against `key` if its
   * current window still holds room for it (count + weight <= `rule.limit`), and refuses it
   * otherwise, in ONE atomic step: however many callers (requests, batch calls, nodes) hit the
   * same key at once, at most `rule.limit` is ever allowed per window. Callers that must bound
   * work in flight (a password check) hit BEFORE doing the work.
   */
  hit(key: string, rule: RateLimitRule, now: number, weight?: number): Promise<RateLimitDecision>;
  /** Forgets `key`'s window, as a successful log-in forgets earlier failures. */
  reset(key: string): Promise<void>;
}
