import type { RateLimitRule, RateLimitStore } from "../rate-limit/rate-limit-store.js";
import { rateLimitedError } from "../rate-limit/rate-limited-error.js";

export interface UploadQuotaOptions {
  /** Where the bytes are counted: the store the composition root shares between nodes. */
  store: RateLimitStore;
  bytesPerWindow: number;
  windowSeconds: number;
}

/**
 * Bytes uploaded per account in fixed windows, counted in a `RateLimitStore` so that every
 * node sharing the store shares each account's allowance. Bytes are taken as they arrive,
 * chunk by chunk, each chunk one atomic weighted hit, so concurrent uploads of one account
 * (on any node) share the allowance and cannot overshoot it. Bytes of refused uploads count
 * too: they were received all the same.
 */
export class UploadQuota {
  private readonly rule: RateLimitRule;

  constructor(private readonly options: UploadQuotaOptions) {
    this.rule = { limit: options.bytesPerWindow, windowMs: options.windowSeconds * 1000 };
  }

  /**
   * Takes `bytes` from the account's allowance, or throws RATE_LIMITED (with
   * `retryAfterSeconds`, and taking nothing) when they do not fit in what is left.
   */
  async take(accountId: string, bytes: number, now: number): Promise<void> {
    const decision = await this.options.store.hit(`upload-bytes:user:${accountId}`, this.rule, now, bytes);
    if (!decision.allowed) throw rateLimitedError("Upload allowance used up; try again later", decision.resetAt, now);
  }
}
