/**
 * A token bucket: holds up to `capacity` tokens, refilled at `perSecond`, one spent per
 * event (or unit of work). Allows bursts up to the capacity and the refill rate on average.
 */
export class TokenBucket {
  private tokens: number;
  private updatedAt: number;

  constructor(
    private readonly capacity: number,
    private readonly perSecond: number,
    /** Monotonic milliseconds; tests pass their own. */
    private readonly now: () => number = monotonicNow,
  ) {
    this.tokens = capacity;
    this.updatedAt = now();
  }

  /** Spends `count` tokens if there are that many; false means the caller is over its rate. */
  take(count = 1): boolean {
    const now = this.now();
    this.tokens = Math.min(this.capacity, this.tokens + ((now - this.updatedAt) / 1000) * this.perSecond);
    this.updatedAt = now;
    if (this.tokens < count) return false;
    this.tokens -= count;
    return true;
  }
}

/** One clock function for every bucket, not a closure each. */
function monotonicNow(): number {
  return performance.now();
}
