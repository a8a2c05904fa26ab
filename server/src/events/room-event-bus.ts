import { EventEmitter } from "node:events";
import type { RoomEvent } from "@natter/shared";

/**
 * Fans committed room events out to live subscribers. Delivery is best effort and may
 * reorder: subscribers order by `seq` and fill any gap from the database, so `seq` is all
 * a subscriber needs to resume, on this node or another.
 */
export interface RoomEventBus {
  /** Publishes events that are already committed to the room's log. */
  publish(events: readonly RoomEvent[]): void;
  /** Calls `listener` with each event of the room published from now on; returns the unsubscribe. */
  subscribe(roomId: string, listener: (event: RoomEvent) => void): () => void;
}

/** The bus of a single process. */
export class InProcessRoomEventBus implements RoomEventBus {
  private readonly emitter = new EventEmitter();

  constructor() {
    this.emitter.setMaxListeners(0);
  }

  publish(events: readonly RoomEvent[]): void {
    for (const event of events) this.emitter.emit(event.roomId, event);
  }

  subscribe(roomId: string, listener: (event: RoomEvent) => void): () => void {
    this.emitter.on(roomId, listener);
    return () => this.emitter.off(roomId, listener);
  }
}
