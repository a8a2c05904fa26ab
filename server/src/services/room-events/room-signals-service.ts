import { EventEmitter, on } from "node:events";
import type { Database } from "@natter/db";
import { NatterError, type RoomEvent, type RoomPresence, type RoomSignal } from "@natter/shared";
import type { Kysely } from "kysely";
import type { AuthSession } from "../../auth/auth-session.js";
import type { Clock } from "../../clock/clock.js";
import type { RoomEventBus } from "../../events/room-event-bus.js";
import type { RoomSignalBus, RoomWatch } from "../../events/room-signal-bus.js";
import { readableRoom, requireRole } from "../access/room-access.js";

export interface RoomSignalsServiceDeps {
  db: Kysely<Database>;
  clock: Clock;
  events: RoomEventBus;
  signals: RoomSignalBus;
}

/**
 * What a watcher does after a room event: stop, ask the database whether it may still read,
 * start receiving what members receive (it joined), or go on.
 */
type AccessChange = "end" | "recheck" | "joined" | null;

/** Typing and presence: the ephemeral side of a room, next to its log. */
export class RoomSignalsService {
  constructor(private readonly deps: RoomSignalsServiceDeps) {}

  /** Shows the caller typing in the room for a few seconds. Members only. */
  async typing(session: AuthSession, roomId: string): Promise<{ expiresAt: string }> {
    const { db, clock, signals } = this.deps;
    requireRole(await readableRoom(db, roomId, session), "member");
    const user = { userId: session.userId, username: session.username };
    return { expiresAt: await signals.typing(roomId, user, clock.now()) };
  }

  /**
   * Who is watching the room now: the callers of `watch`, whatever transport carries it.
   * Readable by whoever may read the room; a closed room does not exist to anyone else.
   * Watchers of the room's log (`rooms.events`, its event stream) are not present: following
   * the log is what bots, bridges and background tabs do, being present is showing the room.
   */
  async presence(session: AuthSession | null, roomId: string): Promise<RoomPresence> {
    const { db, signals } = this.deps;
    await readableRoom(db, roomId, session);
    return signals.presence(roomId);
  }

  /**
   * The room's signals: a snapshot first, then every change, for as long as the caller
   * watches; the caller is present in the room meanwhile. Open rooms may be watched by
   * anyone, closed ones by members; read receipts go to members only. Ends, as `rooms.events` does, when the room is deleted,
   * the caller leaves or is kicked, or the room closes to a caller who is not a member.
   */
  async *watch(session: AuthSession | null, roomId: string, signal?: AbortSignal): AsyncGenerator<RoomSignal, void> {
    const { db, events, signals } = this.deps;
    const inbox = new EventEmitter();
    const items = on(inbox, "item", signal ? { signal } : {}) as AsyncIterableIterator<[RoomSignal | AccessChange]>;
    const userId = session?.userId ?? null;
    // Listening before the access check: a change right after it is not missed.
    const stopEvents = await events.subscribe(roomId, {
      onEvent(event) {
        const change = accessChange(event, userId);
        if (change) inbox.emit("item", change);
      },
    });
    let watch: RoomWatch | undefined;
    try {
      // Read receipts are for members only: anonymous watchers and non-members never see them.
      let member = (await readableRoom(db, roomId, session)).role !== null;
      const user = session && { userId: session.userId, username: session.username };
      watch = await signals.watch(roomId, user, (roomSignal) => inbox.emit("item", roomSignal));
      yield watch.snapshot;
      for await (const [item] of items) {
        if (item === "end") return;
        if (item === "joined") {
          member = true;
          continue;
        }
        if (item === "recheck") {
          if (await this.readable(roomId, session)) continue;
          return;
        }
        if (item && (member || item.type !== "receipt.updated")) yield item;
      }
    } finally {
      watch?.leave();
      stopEvents();
      await items.return?.();
    }
  }

  private async readable(roomId: string, session: AuthSession | null): Promise<boolean> {
    try {
      await readableRoom(this.deps.db, roomId, session);
      return true;
    } catch (error) {
      if (error instanceof NatterError && error.code === "ROOM_NOT_FOUND") return false;
      throw error;
    }
  }
}

/** How a room event may change what `userId` (null: anonymous) can watch. */
function accessChange(event: RoomEvent, userId: string | null): AccessChange {
  switch (event.type) {
    case "room.deleted":
      return "end";
    case "member.left":
    case "member.kicked":
      return event.userId === userId ? "end" : null;
    case "member.joined":
      return event.member.userId === userId ? "joined" : null;
    case "room.updated":
      return event.open ? null : "recheck";
    default:
      return null;
  }
}
