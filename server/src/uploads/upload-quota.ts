/** How many bytes an account may upload within a window. */
export interface UploadQuotaPolicy {
  bytesPerWindow: number;
  windowSeconds: number;
}

/** Accounts tracked at once; past this the oldest window is forgotten, so memory stays bounded. */
const MAX_TRACKED = 50_000;

interface UsageWindow {
  startedAt: number;
  bytes: number;
}

/**
 * Bytes uploaded per account in fixed windows. Bytes are taken as they arrive, chunk by
 * chunk, so concurrent uploads of one account share the allowance and cannot overshoot it.
 * Bytes of refused uploads count too: they were received all the same.
 */
export class UploadQuota {
  private readonly windows = new Map<string, UsageWindow>();

  constructor(private readonly policy: UploadQuotaPolicy) {}

  /**
   * Takes `bytes` from the account's allowance; answers 0 if they fit, else the seconds until
   * the window ends (and takes nothing).
   */
  take(accountId: string, bytes: number, now: number): number {
    const window = this.current(accountId, now);
    if (window.bytes + bytes > this.policy.bytesPerWindow) {
      return Math.max(1, Math.ceil((window.startedAt + this.policy.windowSeconds * 1000 - now) / 1000));
    }
    window.bytes += bytes;
    return 0;
  }

  private current(accountId: string, now: number): UsageWindow {
    const window = this.windows.get(accountId);
    if (window && now - window.startedAt < this.policy.windowSeconds * 1000) return window;
    this.windows.delete(accountId);
    const fresh = { startedAt: now, bytes: 0 };
    this.windows.set(accountId, fresh);
    if (this.windows.size > MAX_TRACKED) {
      const oldest = this.windows.keys().next().value;
      if (oldest !== undefined) this.windows.delete(oldest);
    }
    return fresh;
  }
}
