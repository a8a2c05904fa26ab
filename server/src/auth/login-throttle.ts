/** How many failed log-ins a username may take, and over how long. */
export interface LoginThrottlePolicy {
  maxFailures: number;
  windowSeconds: number;
}

/** Usernames tracked at once; past this the oldest window is forgotten, so memory stays bounded. */
const MAX_TRACKED = 50_000;

interface FailureWindow {
  startedAt: number;
  failures: number;
}

/**
 * Slows password guessing against one account: after `maxFailures` failed log-ins for a
 * username within a window, further attempts are refused until the window ends, whatever
 * the password. It counts names whether or not a user has them, so refusals tell nothing
 * about which accounts exist. A successful log-in clears the count.
 */
export class LoginThrottle {
  private readonly windows = new Map<string, FailureWindow>();

  constructor(private readonly policy: LoginThrottlePolicy) {}

  /** Seconds until `key` may try again, or 0 if it may try now. */
  retryAfterSeconds(key: string, now: number): number {
    const window = this.current(key, now);
    if (!window || window.failures < this.policy.maxFailures) return 0;
    return Math.max(1, Math.ceil((window.startedAt + this.policy.windowSeconds * 1000 - now) / 1000));
  }

  recordFailure(key: string, now: number): void {
    const window = this.current(key, now);
    if (window) {
      window.failures += 1;
      return;
    }
    this.windows.set(key, { startedAt: now, failures: 1 });
    if (this.windows.size > MAX_TRACKED) {
      const oldest = this.windows.keys().next().value;
      if (oldest !== undefined) this.windows.delete(oldest);
    }
  }

  clear(key: string): void {
    this.windows.delete(key);
  }

  private current(key: string, now: number): FailureWindow | undefined {
    const window = this.windows.get(key);
    if (window && now - window.startedAt >= this.policy.windowSeconds * 1000) {
      this.windows.delete(key);
      return undefined;
    }
    return window;
  }
}
