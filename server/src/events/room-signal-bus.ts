import {
  LIMITS,
  type PresenceUser,
  type ReceiptSignal,
  type RoomPresence,
  type RoomSignal,
  type RoomSnapshotSignal,
} from "@natter/shared";
import { toTimestamp } from "../clock/clock.js";

/** One watcher's place in a room's presence. */
export interface RoomWatch {
  /** Who was watching and typing as the watch began, this watcher included. */
  snapshot: RoomSnapshotSignal;
  /** Ends the watch: no more signals, and the watcher leaves the room's presence. */
  leave(): void;
}

/**
 * Presence and typing per room: ephemeral, never stored. A multi-node implementation shares
 * this state between nodes; watchers only ever see signals, never the state itself.
 */
export interface RoomSignalBus {
  /**
   * Adds a watcher to the room's presence (`user` null: anonymous) and calls `listener` with
   * every later signal of the room; the snapshot already counts the watcher itself.
   */
  watch(roomId: string, user: PresenceUser | null, listener: (signal: RoomSignal) => void): Promise<RoomWatch>;
  /**
   * Shows `user` typing in the room for `LIMITS.typingTtlMs` from `now` (ms), then
   * `typing.stopped` unless refreshed; resolves to the indicator's expiry.
   */
  typing(roomId: string, user: PresenceUser, now: number): Promise<string>;
  /** Ends `userId`'s typing indicator in the room at once (`typing.stopped`); nothing if there is none. */
  stopTyping(roomId: string, userId: string): Promise<void>;
  /** Who is watching the room now, without becoming a watcher. */
  presence(roomId: string): Promise<RoomPresence>;
  /** Tells the room's watchers, on every node, that a member's read cursor moved; nothing is kept. */
  receipt(signal: ReceiptSignal): Promise<void>;
}

interface Typist {
  user: PresenceUser;
  expiresAt: string;
  timer: NodeJS.Timeout;
}

/** The signals of one room on this node. */
class RoomSignals {
  readonly listeners = new Set<(signal: RoomSignal) => void>();
  /** Signed-in watchers and how many watches each has open. */
  readonly users = new Map<string, { user: PresenceUser; watches: number }>();
  anonymousCount = 0;
  readonly typists = new Map<string, Typist>();

  constructor(readonly roomId: string) {}

  get idle(): boolean {
    return this.listeners.size === 0 && this.typists.size === 0;
  }

  emit(signal: RoomSignal): void {
    for (const listener of this.listeners) listener(signal);
  }

  presence(): RoomPresence {
    const users: PresenceUser[] = [];
    for (const { user } of this.users.values()) {
      if (users.length === LIMITS.presenceSnapshotMax) break;
      users.push(user);
    }
    return { roomId: this.roomId, users, userCount: this.users.size, anonymousCount: this.anonymousCount };
  }

  snapshot(): RoomSnapshotSignal {
    const typing = [...this.typists.values()].map(({ user, expiresAt }) => ({ ...user, expiresAt }));
    return { type: "snapshot", ...this.presence(), typing };
  }
}

/** The signal bus of a single process. */
export class InProcessRoomSignalBus implements RoomSignalBus {
  private readonly rooms = new Map<string, RoomSignals>();

  async watch(roomId: string, user: PresenceUser | null, listener: (signal: RoomSignal) => void): Promise<RoomWatch> {
    const room = this.room(roomId);
    if (user) {
      const present = room.users.get(user.userId);
      if (present) present.watches += 1;
      else {
        room.users.set(user.userId, { user, watches: 1 });
        room.emit({ type: "presence.joined", roomId, user });
      }
    } else {
      room.anonymousCount += 1;
      room.emit({ type: "presence.anonymous", roomId, anonymousCount: room.anonymousCount });
    }
    room.listeners.add(listener);

    let left = false;
    return {
      snapshot: room.snapshot(),
      leave: () => {
        if (left) return;
        left = true;
        room.listeners.delete(listener);
        if (user) {
          const present = room.users.get(user.userId);
          if (present && --present.watches === 0) {
            room.users.delete(user.userId);
            room.emit({ type: "presence.left", roomId, userId: user.userId });
          }
        } else {
          room.anonymousCount -= 1;
          room.emit({ type: "presence.anonymous", roomId, anonymousCount: room.anonymousCount });
        }
        this.release(room);
      },
    };
  }

  async typing(roomId: string, user: PresenceUser, now: number): Promise<string> {
    const room = this.room(roomId);
    const previous = room.typists.get(user.userId);
    if (previous) clearTimeout(previous.timer);
    const timer = setTimeout(() => {
      room.typists.delete(user.userId);
      room.emit({ type: "typing.stopped", roomId, userId: user.userId });
      this.release(room);
    }, LIMITS.typingTtlMs);
    timer.unref();
    const expiresAt = toTimestamp(now + LIMITS.typingTtlMs);
    room.typists.set(user.userId, { user, expiresAt, timer });
    room.emit({ type: "typing", roomId, ...user, expiresAt });
    return expiresAt;
  }

  async receipt(signal: ReceiptSignal): Promise<void> {
    this.rooms.get(signal.roomId)?.emit(signal);
  }

  async stopTyping(roomId: string, userId: string): Promise<void> {
    const room = this.rooms.get(roomId);
    const typist = room?.typists.get(userId);
    if (!room || !typist) return;
    clearTimeout(typist.timer);
    room.typists.delete(userId);
    room.emit({ type: "typing.stopped", roomId, userId });
    this.release(room);
  }

  async presence(roomId: string): Promise<RoomPresence> {
    return this.rooms.get(roomId)?.presence() ?? { roomId, users: [], userCount: 0, anonymousCount: 0 };
  }

  private room(roomId: string): RoomSignals {
    let room = this.rooms.get(roomId);
    if (!room) {
      room = new RoomSignals(roomId);
      this.rooms.set(roomId, room);
    }
    return room;
  }

  /** Forgets a room nobody watches and nobody types in. */
  private release(room: RoomSignals): void {
    if (room.idle && this.rooms.get(room.roomId) === room) this.rooms.delete(room.roomId);
  }
}
