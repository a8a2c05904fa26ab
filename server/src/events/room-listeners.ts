import type { RoomEvent } from "@natter/shared";

/** Receives a room's (or an inbox's) events; must not throw (it runs inside the bus's delivery). */
export type RoomListener<E = RoomEvent> = (event: E) => void;

/** What takes one subscription per key: a bus, or a remote bus's channels. */
export interface KeyedSubscriptions<E> {
  subscribe(key: string, listener: RoomListener<E>): Promise<() => void>;
}

interface Room<E> {
  listeners: Set<RoomListener<E>>;
  /** The bus subscription, once in place. */
  subscribed: Promise<() => void>;
}

/**
 * The listeners of each room (or user inbox) on this node, behind ONE bus subscription per room: however
 * many watch a room, the bus (in-process or remote) hands each event over once, and it
 * reaches every watcher by a plain call with the same event object. The subscription is
 * taken with the room's first listener and dropped with its last.
 */
export class RoomListeners<E = RoomEvent> {
  private readonly rooms = new Map<string, Room<E>>();

  /** `bus`: a room event bus, or whatever takes one subscription per room for a bus (the Redis bus's channels). */
  constructor(private readonly bus: KeyedSubscriptions<E>) {}

  /**
   * Calls `listener` with each event of the room published from the moment this resolves
   * (the room's bus subscription is in place); answers the removal.
   */
  async add(roomId: string, listener: RoomListener<E>): Promise<() => void> {
    let room = this.rooms.get(roomId);
    if (!room) {
      const listeners = new Set<RoomListener<E>>();
      const subscribed = this.bus.subscribe(roomId, (event) => {
        for (const each of listeners) each(event);
      });
      room = { listeners, subscribed };
      this.rooms.set(roomId, room);
    }
    const entry = room;
    entry.listeners.add(listener);
    const remove = () => {
      entry.listeners.delete(listener);
      if (entry.listeners.size === 0 && this.rooms.get(roomId) === entry) {
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
