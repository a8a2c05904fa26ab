import type { RoomEvent } from "@natter/shared";

/**
 * The live events one watcher has not sent yet, bounded: when more arrive than it holds,
 * it drops them all and says so once (`takeOverflow`), and the watcher reads the room's
 * log instead. A slow watcher thus costs the log a few reads, never the server memory.
 */
export class LiveEventQueue<E = RoomEvent> {
  private events: E[] = [];
  private overflowed = false;
  private waiter: ((ready: boolean) => void) | null = null;
  private aborted = false;

  /** `signal` ends the watcher; it is listened to once, not at every wait. */
  constructor(
    private readonly capacity: number,
    signal?: AbortSignal,
  ) {
    this.aborted = signal?.aborted ?? false;
    signal?.addEventListener(
      "abort",
      () => {
        this.aborted = true;
        this.wake();
      },
      { once: true },
    );
  }

  /** Takes a published event; never blocks the publisher. */
  push(event: E): void {
    if (!this.overflowed) {
      if (this.events.length < this.capacity) this.events.push(event);
      else {
        this.overflowed = true;
        this.events = [];
      }
    }
    this.wake();
  }

  /** The oldest queued event, left in place. */
  peek(): E | undefined {
    return this.events[0];
  }

  /** Removes the oldest queued event. */
  drop(): void {
    this.events.shift();
  }

  /** Whether events were lost since the last call; the caller must then read the log. */
  takeOverflow(): boolean {
    const overflowed = this.overflowed;
    this.overflowed = false;
    return overflowed;
  }

  /** Wakes the waiter without an event, for it to look at why. */
  interrupt(): void {
    this.wake();
  }

  /**
   * Calls `then(true)` once an event arrives (or `interrupt` is called), `then(false)` if the
   * signal aborted first; soon, if either holds already. One waiter at a time. A callback
   * rather than a promise: a waiting watcher then holds no promise chain of its own.
   */
  whenReady(then: (ready: boolean) => void): void {
    this.waiter = then;
    if (this.aborted || this.events.length > 0 || this.overflowed) this.wake();
  }

  /** Calls the waiter in a microtask of its own, never inside the publisher's delivery. */
  private wake(): void {
    const waiter = this.waiter;
    if (!waiter) return;
    this.waiter = null;
    queueMicrotask(() => waiter(!this.aborted));
  }
}
