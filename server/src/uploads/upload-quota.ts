import type { RateLimitRule, RateLimitStore } from "../rate-limit/rate-limit-store.js";
import { rateLimitedError } from "../rate-limit/rate-limited-error.js";

export interface UploadQuotaOptions {
  /** Where the bytes are counted: the store the composition root shares between nodes. */
  store: RateLimitStore;
  /** Bytes one account may upload per window. */
  bytesPerWindow: number;
  /** Bytes one client address may upload per window, whichever accounts it signs in as. */
  bytesPerWindowPerAddress: number;
  windowSeconds: number;
}

/**
 * Bytes uploaded per account and per client address in fixed windows (an address may sign up
 * many accounts: its own allowance bounds what it can store through all of them), counted in a `RateLimitStore` so that every
 * node sharing the store shares each account's allowance. Bytes are taken as they arrive,
 * chunk by chunk, each chunk one atomic weighted hit, so concurrent uploads of one account
 * (on any node) share the allowance and cannot overshoot it. Bytes of refused uploads count
 * too: they were received all the same.
 */
export class UploadQuota {
  private readonly perAccount: RateLimitRule;
  private readonly perAddress: RateLimitRule;

  constructor(private readonly options: UploadQuotaOptions) {
    const windowMs = options.windowSeconds * 1000;
    this.perAccount = { limit: options.bytesPerWindow, windowMs };
    this.perAddress = { limit: options.bytesPerWindowPerAddress, windowMs };
  }

  /**
   * Takes `bytes` from the account's allowance and then from the address's, or throws
   * RATE_LIMITED (with `retryAfterSeconds`) when they do not fit in what is left of one. A
   * refusal by the account takes nothing; one by the address leaves the bytes taken from the
   * account (they were received, and the upload ends there).
   */
  async take(accountId: string, address: string, bytes: number, now: number): Promise<void> {
    const { store } = this.options;
    const account = await store.hit(`upload-bytes:user:${accountId}`, this.perAccount, now, bytes);
    if (!account.allowed) throw rateLimitedError("Upload allowance used up; try again later", account.resetAt, now);
    const fromAddress = await store.hit(`upload-bytes:address:${address}`, this.perAddress, now, bytes);
    if (!fromAddress.allowed) {
      throw rateLimitedError("Upload allowance of this address used up; try again later", fromAddress.resetAt, now);
    }
  }
}
