import type { RoomEvent } from "@natter/shared";
import type { LogListener } from "./room-event-bus.js";

/** What takes one subscription per key: a bus, or a remote bus's channels. */
export interface KeyedSubscriptions<E> {
  subscribe(key: string, listener: LogListener<E>): Promise<() => void>;
}

/** A room's listeners here, behind its one bus subscription, which it listens to itself. */
class ListenedRoom<E> implements LogListener<E> {
  private readonly listeners = new Set<LogListener<E>>();
  /**
   * The one listener while there is one (a user's inbox, watched on one connection): called
   * without iterating the set, once per member of a message.
   */
  private only: LogListener<E> | undefined;
  /** The bus subscription, once in place. */
  readonly subscribed: Promise<() => void>;

  constructor(subscribe: (listener: LogListener<E>) => Promise<() => void>) {
    this.subscribed = subscribe(this);
  }

  get size(): number {
    return this.listeners.size;
  }

  add(listener: LogListener<E>): void {
    this.listeners.add(listener);
    this.only = this.onlyListener();
  }

  delete(listener: LogListener<E>): void {
    this.listeners.delete(listener);
    this.only = this.onlyListener();
  }

  onEvent(event: E): void {
    const { only } = this;
    if (only) only.onEvent(event);
    else for (const each of this.listeners) each.onEvent(event);
  }

  private onlyListener(): LogListener<E> | undefined {
    if (this.listeners.size !== 1) return undefined;
    const [only] = this.listeners;
    return only;
  }
}

/**
 * The listeners of each room (or user inbox) on this node, behind ONE bus subscription per room: however
 * many watch a room, the bus (in-process or remote) hands each event over once, and it
 * reaches every watcher by a plain call with the same event object. The subscription is
 * taken with the room's first listener and dropped with its last.
 */
export class RoomListeners<E = RoomEvent> {
  private readonly rooms = new Map<string, ListenedRoom<E>>();

  /** `bus`: a room event bus, or whatever takes one subscription per room for a bus (the Redis bus's channels). */
  constructor(private readonly bus: KeyedSubscriptions<E>) {}

  /**
   * Calls `listener` with each event of the room published from the moment this resolves
   * (the room's bus subscription is in place); answers the removal.
   */
  async add(roomId: string, listener: LogListener<E>): Promise<() => void> {
    let room = this.rooms.get(roomId);
    if (!room) {
      room = new ListenedRoom<E>((listener) => this.bus.subscribe(roomId, listener));
      this.rooms.set(roomId, room);
    }
    const entry = room;
    entry.add(listener);
    const remove = () => {
      entry.delete(listener);
      if (entry.size === 0 && this.rooms.get(roomId) === entry) {
        this.rooms.delete(roomId);
        entry.subscribed.then(
          (unsubscribe) => unsubscribe(),
          () => {},
        );
      }
    };
    try {
      await entry.subscribed;
    } catch (error) {
      remove();
      throw error;
    }
    return remove;
  }
}
