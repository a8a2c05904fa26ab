import type { RateLimitStore } from "../rate-limit/rate-limit-store.js";
import { rateLimitedError } from "../rate-limit/rate-limited-error.js";

/** How many password checks one subject may have, and over how long. */
export interface PasswordGuessPolicy {
  maxAttempts: number;
  windowSeconds: number;
}

export interface PasswordGuessThrottleOptions {
  store: RateLimitStore;
  policy: PasswordGuessPolicy;
  /** Namespaces this throttle's keys in a shared store. */
  keyPrefix: string;
  /** Said to a refused caller. */
  refusal: string;
}

/**
 * Slows password guessing: each subject (a username, a user) gets `maxAttempts` password
 * checks per window, and a correct password clears its count. An attempt is reserved BEFORE
 * its password is checked and counts as a failure unless it succeeds, so attempts in flight
 * count too: however the guesses arrive (a batch, parallel requests, several nodes sharing
 * the store), at most `maxAttempts` passwords are ever checked per window. A refused attempt
 * checks nothing and tells nothing about the password.
 */
export class PasswordGuessThrottle {
  constructor(private readonly options: PasswordGuessThrottleOptions) {}

  /** Takes one attempt for `subject`, or throws RATE_LIMITED (with `retryAfterSeconds`) when none is left. */
  async reserve(subject: string, now: number): Promise<void> {
    const { store, policy, keyPrefix, refusal } = this.options;
    const rule = { limit: policy.maxAttempts, windowMs: policy.windowSeconds * 1000 };
    const decision = await store.hit(keyPrefix + subject, rule, now);
    if (!decision.allowed) throw rateLimitedError(refusal, decision.resetAt, now);
  }

  /** Forgets `subject`'s attempts: its password was right. */
  clear(subject: string): Promise<void> {
    return this.options.store.reset(this.options.keyPrefix + subject);
  }
}
