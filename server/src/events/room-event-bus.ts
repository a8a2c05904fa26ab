import type { RoomEvent } from "@natter/shared";

/**
 * Receives a log's entries (a room's events, a user's inbox); must not throw (it runs inside
 * the bus's delivery). An object with a method, not a function: a message's inbox entries
 * reach a node's listeners one per member, each through a few of these (the bus's order, the
 * key's listeners, the watcher), and a closure is three objects to reach (the function, its
 * context, what it closes over) where a method's object is one. Touched once per message,
 * each is a wait for memory: on a node receiving entries from Redis, such loads were most of
 * the time its compiled code spent per member (`perf`, bench/PROFILE-send.md, 2026-12-08).
 */
export interface LogListener<E> {
  onEvent(event: E): void;
}

/** Receives a room's events. */
export type RoomEventListener = LogListener<RoomEvent>;

/**
 * A bus of one kind of log's committed entries (rooms' logs, users' inboxes), keyed by the
 * log's owner: the contract `RoomEventBus` spells out for rooms holds for every kind.
 */
export interface LogBus<E> {
  publish(events: readonly E[]): Promise<void>;
  subscribe(key: string, listener: LogListener<E>): Promise<() => void>;
}

/**
 * Fans committed room events out to live subscribers. Delivery is best effort and may
 * reorder: subscribers order by `seq` and fill any gap from the database, so `seq` is all
 * a subscriber needs to resume, on this node or another.
 *
 * Every implementation hands ONE event object to all of a node's listeners of a room (a
 * remote bus decodes each message once, not once per listener): the WebSocket encoder
 * serialises an event once per object (`ws/event-encoder.ts`) and the fast path of caught-up
 * watchers relies on it, so a bus that copied events per listener would cost a JSON
 * encoding per watcher.
 */
export interface RoomEventBus extends LogBus<RoomEvent> {
  /**
   * Publishes events that are already committed to the room's log. It resolves once they
   * are handed over, or once a failure to do so is reported; it never fails the write,
   * which has committed. A remote bus may lose them (a failure, a node killed right after
   * its commit): watchers then learn of them from the log (`RoomLogTail`).
   */
  publish(events: readonly RoomEvent[]): Promise<void>;
  /**
   * Calls `listener` with each event of the room published from now on, on any node; it
   * resolves once the subscription is in place (a remote bus waits for its server), and
   * answers the unsubscribe.
   */
  subscribe(roomId: string, listener: RoomEventListener): Promise<() => void>;
}

/**
 * The bus of one kind of log in a single process: each key's listeners (in practice one,
 * `RoomListeners`' fan-out) by key in a `Map`. Not an `EventEmitter`: a message's inbox
 * entries are published one per member, and its `emit` found each user's listeners by a
 * megamorphic keyed load on an object of every followed user's key, plus an arguments copy
 * and a `Reflect.apply`, ~700 instructions a member, whether anyone listened or not.
 */
export class InProcessLogBus<E> implements LogBus<E> {
  /** Replaced, never changed, so that a publish goes on with the listeners it began with (as `emit` did). */
  private readonly listeners = new Map<string, ReadonlyArray<LogListener<E>>>();

  /** `keyOf`: the log an entry belongs to. */
  constructor(private readonly keyOf: (event: E) => string) {}

  async publish(events: readonly E[]): Promise<void> {
    for (const event of events) {
      const listeners = this.listeners.get(this.keyOf(event));
      if (listeners !== undefined) for (const listener of listeners) listener.onEvent(event);
    }
  }

  async subscribe(key: string, listener: LogListener<E>): Promise<() => void> {
    this.listeners.set(key, [...(this.listeners.get(key) ?? []), listener]);
    return () => {
      const listeners = this.listeners.get(key);
      const at = listeners?.lastIndexOf(listener) ?? -1;
      if (!listeners || at < 0) return;
      if (listeners.length === 1) this.listeners.delete(key);
      else this.listeners.set(key, [...listeners.slice(0, at), ...listeners.slice(at + 1)]);
    };
  }
}

/** The room event bus of a single process. */
export class InProcessRoomEventBus extends InProcessLogBus<RoomEvent> implements RoomEventBus {
  constructor() {
    super((event) => event.roomId);
  }
}
