/**
 * Counts what each key holds at once (connections of an address, subscriptions of an
 * account) against a ceiling. Keys holding nothing are forgotten, so memory follows what
 * is open, not what was ever seen.
 */
export class CountedSlots {
  private readonly held = new Map<string, number>();

  constructor(private readonly max: number) {}

  /** Takes a slot for `key`; false, taking nothing, when it holds `max` already. */
  take(key: string): boolean {
    const count = this.held.get(key) ?? 0;
    if (count >= this.max) return false;
    this.held.set(key, count + 1);
    return true;
  }

  /** Gives back one slot of `key`. */
  release(key: string): void {
    const count = this.held.get(key) ?? 0;
    if (count <= 1) this.held.delete(key);
    else this.held.set(key, count - 1);
  }
}
