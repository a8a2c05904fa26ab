import type { RoomEvent } from "@natter/shared";

/**
 * The live events one watcher has not sent yet, bounded: when more arrive than it holds,
 * it drops them all and says so once (`takeOverflow`), and the watcher reads the room's
 * log instead. A slow watcher thus costs the log a few reads, never the server memory.
 */
export class LiveEventQueue {
  private events: RoomEvent[] = [];
  private overflowed = false;
  private wake: (() => void) | null = null;
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
        this.wake?.();
      },
      { once: true },
    );
  }

  /** Takes a published event; never blocks the publisher. */
  push(event: RoomEvent): void {
    if (!this.overflowed) {
      if (this.events.length < this.capacity) this.events.push(event);
      else {
        this.overflowed = true;
        this.events = [];
      }
    }
    this.wake?.();
  }

  /** The oldest queued event, left in place. */
  peek(): RoomEvent | undefined {
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

  /** Wakes a `wait` without an event, for its caller to look at why. */
  interrupt(): void {
    this.wake?.();
  }

  /** Resolves when an event arrives (or `interrupt` is called); false if the signal aborted first. */
  wait(): Promise<boolean> {
    if (this.aborted) return Promise.resolve(false);
    if (this.events.length > 0 || this.overflowed) return Promise.resolve(true);
    return new Promise((resolve) => {
      this.wake = () => {
        this.wake = null;
        resolve(!this.aborted);
      };
    });
  }
}
