/**
 * Counts what each key holds at once (connections of an account, subscriptions of an
 * account) against a ceiling: in this process, or shared by every node (`RedisCountedSlots`).
 */
export interface SlotCounter {
  /** Takes a slot for `key`; false, taking nothing, when it holds the ceiling already. */
  take(key: string): Promise<boolean>;
  /** Gives back one slot of `key`. */
  release(key: string): void;
  /** How many slots `key` holds now (on every node, for a shared counter). */
  held(key: string): Promise<number>;
}

/**
 * The slots of one process. Keys holding nothing are forgotten, so memory follows what is
 * open, not what was ever seen. `take` is synchronous at heart, hence `takeNow`.
 */
export class CountedSlots implements SlotCounter {
  private readonly counts = new Map<string, number>();

  constructor(private readonly max: number) {}

  async take(key: string): Promise<boolean> {
    return this.takeNow(key);
  }

  /** `take` without waiting, for callers that must decide in the same tick. */
  takeNow(key: string): boolean {
    const count = this.counts.get(key) ?? 0;
    if (count >= this.max) return false;
    this.counts.set(key, count + 1);
    return true;
  }

  release(key: string): void {
    const count = this.counts.get(key) ?? 0;
    if (count <= 1) this.counts.delete(key);
    else this.counts.set(key, count - 1);
  }

  async held(key: string): Promise<number> {
    return this.counts.get(key) ?? 0;
  }

  /** What each key holds now. */
  entries(): IterableIterator<[string, number]> {
    return this.counts.entries();
  }
}
