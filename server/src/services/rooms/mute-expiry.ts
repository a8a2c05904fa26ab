import type { Database } from "@natter/db";
import type { RoomEvent } from "@natter/shared";
import type { Kysely } from "kysely";
import { type Clock, toTimestamp } from "../../clock/clock.js";
import type { RoomWriter } from "../room-writes/room-writer.js";
import { recordRoomChange } from "./room-changes.js";

export interface MuteExpiryDeps {
  db: Kysely<Database>;
  writer: RoomWriter;
  clock: Clock;
  /** Told of a sweep that failed (it is tried again at the next one). */
  onError(error: unknown): void;
}

/**
 * Ends mutes at their `until` with a `member.unmuted` entry, so that watchers learn the member
 * may speak again. Whether a mute is in force never waits for this (sends compare `until` with
 * the clock); the entry follows. A mute set on this node is swept at its `until` on this node's
 * clock; `sweep()` on a timer catches the ones set on other nodes or before a restart.
 */
export class MuteExpiry {
  private running: Promise<number> | undefined;
  private readonly scheduled = new Set<() => void>();
  private stopped = false;

  constructor(private readonly deps: MuteExpiryDeps) {}

  /** Ends every mute past its end, a batch at a time; answers how many. A call while one runs joins it. */
  sweep(): Promise<number> {
    this.running ??= this.endAll().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  /** Sweeps once the clock reaches `until` (a mute this node has just set). */
  sweepAt(until: string): void {
    if (this.stopped) return;
    const cancel = this.deps.clock.schedule(Date.parse(until), () => {
      this.scheduled.delete(cancel);
      // A sweep running now may have read the rows before this mute was due: sweep after it.
      void (this.running ?? Promise.resolve())
        .catch(() => undefined)
        .then(() => this.sweep())
        .catch(this.deps.onError);
    });
    this.scheduled.add(cancel);
  }

  /** Cancels the scheduled sweeps and waits for a running one. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const cancel of this.scheduled) cancel();
    this.scheduled.clear();
    await this.running?.catch(() => undefined);
  }

  private async endAll(): Promise<number> {
    let total = 0;
    while (!this.stopped) {
      const ended = await endExpiredMutes(this.deps, this.deps.clock.now(), EXPIRY_BATCH);
      total += ended;
      if (ended < EXPIRY_BATCH) break;
    }
    return total;
  }
}

/** Mutes past their end that one sweep ends: few enough that a room's writes wait little behind it. */
const EXPIRY_BATCH = 100;

/**
 * Ends the mutes that reached their `until` by `now`, up to `limit` of the earliest: each
 * room's share is one room change that drops the rows and logs `member.unmuted` with no
 * actor (the system ended it), so watchers see the member may speak again. A row another
 * node ended first (or an admin lifted or renewed meanwhile) is no longer past its end
 * inside the change, and is passed over. Answers how many it ended.
 */
export async function endExpiredMutes(
  { db, writer }: { db: Kysely<Database>; writer: RoomWriter },
  now: number,
  limit: number,
): Promise<number> {
  const due = await db
    .selectFrom("room_mutes")
    .select(["room_id", "user_id"])
    .where("until", "<=", toTimestamp(now))
    .orderBy("until")
    .limit(limit)
    .execute();
  const byRoom = new Map<string, string[]>();
  for (const row of due) byRoom.set(row.room_id, [...(byRoom.get(row.room_id) ?? []), row.user_id]);
  let ended = 0;
  for (const [roomId, userIds] of byRoom) {
    ended += await writer.write(roomId, async (trx, at) => {
      const stillDue = await trx
        .selectFrom("room_mutes")
        .select("user_id")
        .where("room_id", "=", roomId)
        .where("user_id", "in", userIds)
        .where("until", "<=", toTimestamp(at))
        .execute();
      const events: RoomEvent[] = [];
      for (const { user_id: userId } of stillDue) {
        await trx.deleteFrom("room_mutes").where("room_id", "=", roomId).where("user_id", "=", userId).execute();
        events.push(await recordRoomChange(trx, roomId, { type: "member.unmuted", actorId: null, userId }, at));
      }
      return { events, result: events.length };
    });
  }
  return ended;
}
