import type { Database } from "@natter/db";
import type { RoomEvent } from "@natter/shared";
import type { Kysely } from "kysely";
import type { Logger } from "pino";
import { toTimestamp } from "../clock/clock.js";
import { encodingOf, rememberEncoding } from "./encoded-events.js";
import { readRoomEvents } from "./room-log.js";
import type { Sequenced } from "./seq-order.js";

/** Rooms whose newest seq one query reads. */
const ROOMS_PER_QUERY = 500;
/** Log entries handed over per room and check; a watcher reads the rest of a gap itself. */
const EVENTS_PER_CHECK = 100;

/** The tail's record of a room it follows (`RoomLogTail.follow`), handed back to `saw` by who holds it. */
export interface TailedRoom {
  /** The newest seq this node has delivered (or knew of when it began to follow). */
  seen: number;
  /** The room's newest seq at the previous check, when that was ahead of `seen`. */
  behind: number | undefined;
  /** Whether the room was missing at the previous check. */
  missing: boolean;
  /** Whether an event of the room reached this node (not read by the tail) since the previous check. */
  heard: boolean;
}

/**
 * How a tail reads one kind of log: rooms' logs (the default), or users' inboxes. Keyed by
 * the log's owner (a room id, a user id).
 */
export interface TailedLog<E extends Sequenced> {
  /** The newest seq of each of these logs that exists (one query for all of them). */
  newest(keys: readonly string[]): Promise<Map<string, number>>;
  /** The log's entries after `afterSeq`, oldest first, at most `limit`. */
  read(key: string, afterSeq: number, limit: number): Promise<E[]>;
  /** The log an entry belongs to. */
  keyOf(event: E): string;
  /** Whether an entry ends its log (nothing can follow it): `room.deleted`. */
  ends(event: E): boolean;
  /** What watchers are told of a log that vanished, after the newest seq they saw; none: nothing. */
  vanished(key: string, seq: number): E | undefined;
  /** `JSON.stringify(entry)`, from the encodings made before where there are (`encodingOf`). */
  encode(entry: E): string;
  /**
   * Remembers `json`, which is `JSON.stringify(entry)` (another node's `encode`, as received),
   * as the encoding of what the entry's watchers are framed (`rememberEncoding`).
   */
  received(entry: E, json: string): void;
}

/** A room's log, as the tail reads it. */
export function roomLogOf(db: Kysely<Database>): TailedLog<RoomEvent> {
  return {
    async newest(roomIds) {
      const rows = await db.selectFrom("rooms").select(["id", "last_seq"]).where("id", "in", roomIds).execute();
      return new Map(rows.map((row) => [row.id, row.last_seq]));
    },
    read: (roomId, afterSeq, limit) => readRoomEvents(db, roomId, afterSeq, limit),
    keyOf: (event) => event.roomId,
    ends: (event) => event.type === "room.deleted",
    vanished: (roomId, seq) => ({ type: "room.deleted", roomId, seq, at: toTimestamp(Date.now()), actorId: null }),
    encode: encodingOf,
    received: rememberEncoding,
  };
}

export interface RoomLogTailOptions<E extends Sequenced = RoomEvent> {
  /** The logs followed. */
  log: TailedLog<E>;
  /** Hands events this node never received to the room's local listeners. */
  deliver: (roomId: string, events: readonly E[]) => void;
  logger: Logger;
  /** How often the newest seq of every followed room is read. */
  intervalMs: number;
}

/**
 * Finds committed room events that a remote bus lost: every `intervalMs` it reads, in one
 * query per 500 rooms, the newest seq of each room that has live watchers on this node, and
 * hands over from the log what this node has not delivered. An event counts as lost only
 * when it was already committed at the previous check and has still not arrived, so events
 * whose publish is merely in flight cost nothing.
 *
 * A room whose events reached this node since the previous check is not read: a loss before
 * the newest of them is a gap in the order of its events, which `SeqOrder` reads from the log
 * itself, and a loss after it is found once the room is quiet, by the check after the first
 * quiet one. So a lost event reaches watchers within three intervals (plus a query), and a
 * room whose events keep coming costs no query: every node read every such room at every
 * interval, a cost per second that a cluster paid once per node.
 *
 * Why a tail and not something else: the committing node may die between commit and
 * publish, so no scheme run by the publisher (an outbox, a retry) can cover that case
 * without a second process; the log already holds every event in order, and the newest seq
 * of a room is one indexed row, so the cost is bounded by the rooms watched here, not by
 * traffic. A room that vanished (deleted with its log, its `room.deleted` lost) is told to
 * its watchers as a `room.deleted` after the newest seq they saw, which is what a
 * reconnecting watcher would learn anyway (ROOM_NOT_FOUND).
 */
export class RoomLogTail<E extends Sequenced = RoomEvent> {
  private readonly rooms = new Map<string, TailedRoom>();
  private timer: NodeJS.Timeout | undefined;
  private checking = false;
  private readFromLog = 0;

  constructor(private readonly options: RoomLogTailOptions<E>) {}

  /** Events this tail delivered from the log since it started: publishes this node never heard. */
  get eventsReadFromLog(): number {
    return this.readFromLog;
  }

  start(): void {
    this.timer = setInterval(() => void this.check(), this.options.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /**
   * Follows a room from its newest seq now, kept in `record` (the caller's object for the
   * room, which the caller hands back to `saw`: one object fewer for each delivery to reach),
   * which then holds that seq (`seen`); call once the room's bus subscription is in place.
   */
  async follow(roomId: string, record: TailedRoom): Promise<void> {
    const newest = await this.options.log.newest([roomId]);
    const room = this.rooms.get(roomId);
    record.seen = Math.max(newest.get(roomId) ?? 0, room?.seen ?? 0);
    record.behind = undefined;
    record.missing = false;
    record.heard = false;
    this.rooms.set(roomId, record);
  }

  forget(roomId: string): void {
    this.rooms.delete(roomId);
  }

  /**
   * Notes an event delivered on this node, by whatever way it came. `room`: its room's record
   * as `follow` answered it, where the caller holds it (an inbox's entries reach a node one per
   * member of a message: a look-up each).
   */
  saw(event: E, room = this.rooms.get(this.options.log.keyOf(event))): void {
    if (!room) return;
    const { log } = this.options;
    if (log.ends(event)) {
      // Its watchers end with it; nothing more can be missed.
      const key = log.keyOf(event);
      if (this.rooms.get(key) === room) this.rooms.delete(key);
    } else {
      if (event.seq > room.seen) room.seen = event.seq;
      room.heard = true;
    }
  }

  /** One check of every followed room. */
  private async check(): Promise<void> {
    if (this.checking || this.rooms.size === 0) return;
    this.checking = true;
    try {
      const roomIds: string[] = [];
      for (const [roomId, room] of this.rooms) {
        if (!room.heard) roomIds.push(roomId);
        room.heard = false;
      }
      for (let start = 0; start < roomIds.length; start += ROOMS_PER_QUERY) {
        await this.checkRooms(roomIds.slice(start, start + ROOMS_PER_QUERY));
      }
    } catch (error) {
      this.options.logger.error({ err: error }, "room log tail check failed");
    } finally {
      this.checking = false;
    }
  }

  private async checkRooms(roomIds: readonly string[]): Promise<void> {
    const { log, deliver } = this.options;
    const newest = await log.newest(roomIds);
    for (const roomId of roomIds) {
      const room = this.rooms.get(roomId);
      if (!room) continue;
      const lastSeq = newest.get(roomId);
      if (lastSeq === undefined) {
        if (room.missing) {
          this.rooms.delete(roomId);
          const told = log.vanished(roomId, room.seen + 1);
          if (told) deliver(roomId, [told]);
        } else room.missing = true;
        continue;
      }
      room.missing = false;
      if (lastSeq <= room.seen) {
        room.behind = undefined;
        continue;
      }
      if (room.behind !== undefined && room.behind > room.seen) {
        // Only what was committed at the previous check counts as lost: what came after may
        // still be on its way, and is read at the next check if it is lost too.
        const missed = await log.read(roomId, room.seen, Math.min(room.behind - room.seen, EVENTS_PER_CHECK));

        if (missed.length > 0) {
          this.readFromLog += missed.length;
          this.options.logger.warn({ roomId, from: missed[0]?.seq }, "room events read from the log: publish lost");
          deliver(roomId, missed);
          // Read here, not heard: the room is checked again next time.
          room.heard = false;
        }
      }
      room.behind = lastSeq;
    }
  }
}
