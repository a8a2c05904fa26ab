import { type Database, uuidV7 } from "@natter/db";
import type { ActivityType } from "@natter/shared";
import type { Kysely, Transaction } from "kysely";
import { toTimestamp } from "../../clock/clock.js";

/** One row of the activity log: who did what, in which room, to whom, with what details. */
export interface ActivityEntry {
  action: ActivityType;
  actorId: string | null;
  roomId?: string | null;
  subjectId?: string | null;
  detail?: Record<string, unknown> | null;
}

/** Appends to the activity log, inside the caller's transaction when given one. */
export async function recordActivity(
  db: Kysely<Database> | Transaction<Database>,
  entry: ActivityEntry,
  now: number,
): Promise<void> {
  await db
    .insertInto("activity_log")
    .values({
      id: uuidV7(now),
      room_id: entry.roomId ?? null,
      actor_id: entry.actorId,
      action: entry.action,
      subject_id: entry.subjectId ?? null,
      detail: entry.detail ? JSON.stringify(entry.detail) : null,
      created_at: toTimestamp(now),
    })
    .execute();
}
