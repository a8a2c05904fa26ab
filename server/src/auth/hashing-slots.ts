import { availableParallelism } from "node:os";

/**
 * Bounds how many password hashes run at once. argon2 runs on libuv's thread pool (four
 * threads by default): fifty log-ins at once would keep every core busy hashing and starve
 * the event loop, so every other request waits behind them. With one core left free, the
 * event loop keeps answering while further log-ins queue here, first come first served.
 */
export class HashingSlots {
  private running = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(
    /** Hashes allowed at once; by default one fewer than the cores, at least one. */
    private readonly limit = Math.max(1, availableParallelism() - 1),
  ) {}

  /** Runs `work` once a slot is free, and frees the slot when it settles. */
  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.running >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.running += 1;
    try {
      return await work();
    } finally {
      // The slot passes straight to the next in line, so `running` stays at the limit.
      const next = this.waiting.shift();
      if (next) next();
      else this.running -= 1;
    }
  }
}
