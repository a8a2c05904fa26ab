import type { Database } from "@natter/db";
import {
  type ActivityEntry,
  type ActivityInput,
  type ActivityPage,
  type ActivityType,
  NatterError,
} from "@natter/shared";
import type { Kysely } from "kysely";
import { toTimestamp } from "../../clock/clock.js";
import { decodeCursor, encodeCursor } from "../paging/page-cursor.js";

/**
 * A page of the activity log, newest first. Every combination of the `userId`, `roomId`
 * and `type` filters has an index that starts with those columns and ends in
 * `(created_at, id)` (migrations 0002, 0005, 0007), so the time range and the keyset
 * cursor are one index range: a page reads its own rows, however selective the filters.
 */
export async function activityPage(
  db: Kysely<Database>,
  input: ActivityInput & { limit: number },
): Promise<ActivityPage> {
  let query = db
    .selectFrom("activity_log as a")
    .leftJoin("users as actor", "actor.id", "a.actor_id")
    .leftJoin("users as subject", "subject.id", "a.subject_id")
    .leftJoin("rooms as room", "room.id", "a.room_id")
    .select([
      "a.id",
      "a.action",
      "a.actor_id",
      "a.room_id",
      "a.subject_id",
      "a.detail",
      "a.created_at",
      "actor.username as actorName",
      "subject.username as subjectName",
      "room.name as roomName",
    ]);
  if (input.userId !== undefined) query = query.where("a.actor_id", "=", input.userId);
  if (input.roomId !== undefined) query = query.where("a.room_id", "=", input.roomId);
  if (input.type !== undefined) query = query.where("a.action", "=", input.type);
  let upper = input.until === undefined ? undefined : toTimestamp(Date.parse(input.until) - 1);
  let after: { id: string; created_at: string } | undefined;
  if (input.cursor !== undefined) {
    after = await db
      .selectFrom("activity_log")
      .select(["id", "created_at"])
      .where("id", "=", decodeCursor("activity", input.cursor))
      .executeTakeFirst();
    // Entries are never deleted: a well-formed cursor whose entry is missing was made up.
    if (!after) {
      throw new NatterError("VALIDATION_FAILED", "Invalid cursor", {
        issues: [{ path: "cursor", message: "names no entry of the activity log" }],
      });
    }
    if (upper === undefined || after.created_at < upper) upper = after.created_at;
  }
  // The time range and the cursor make one range of created_at (entries carry milliseconds:
  // before `until` is at or before the millisecond before it), as one BETWEEN when it has both
  // ends: SQLite's planner keeps that on the index holding every equality filter, where two
  // comparisons or a row value can lead it to an index with fewer.
  const { since } = input;
  if (since !== undefined && upper !== undefined) query = query.where((eb) => eb.between("a.created_at", since, upper));
  else if (since !== undefined) query = query.where("a.created_at", ">=", since);
  else if (upper !== undefined) query = query.where("a.created_at", "<=", upper);
  // Within the cursor's millisecond, only the entries before it; a filter on those few rows.
  if (after) {
    const { id, created_at } = after;
    query = query.where((eb) => eb.or([eb("a.created_at", "<", created_at), eb("a.id", "<", id)]));
  }
  const rows = await query
    .orderBy("a.created_at", "desc")
    .orderBy("a.id", "desc")
    .limit(input.limit + 1)
    .execute();
  const entries = rows.slice(0, input.limit).map(
    (row): ActivityEntry => ({
      id: row.id,
      type: row.action as ActivityType,
      actor: row.actor_id === null ? null : { id: row.actor_id, username: row.actorName },
      room: row.room_id === null ? null : { id: row.room_id, name: row.roomName },
      subject: row.subject_id === null ? null : { id: row.subject_id, username: row.subjectName },
      details: row.detail === null ? null : (JSON.parse(row.detail) as Record<string, unknown>),
      createdAt: row.created_at,
    }),
  );
  const last = entries.at(-1);
  return { entries, nextCursor: rows.length > input.limit && last ? encodeCursor("activity", last.id) : null };
}
