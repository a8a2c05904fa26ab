import type { Database } from "@natter/db";
import { type Kysely, sql } from "kysely";
import { ownReactionsColumn } from "../message-rows/message-rows.js";

/** Where a page of history starts: below `before` (newest first) or above `after` (oldest first). */
export type MessagePageCursor = { before: number } | { after: number } | { newest: true };

/**
 * Which messages a page holds: the room's own (thread replies only when sent `alsoInRoom`),
 * all of them, or one thread's replies.
 */
export type MessagePageScope = "room" | "all" | { threadId: string };

/**
 * The query for one page of a room's messages. Keyset on `(room_id, seq)` (the unique index
 * `messages_by_seq`; for the room's own messages, `messages_room_history`), never OFFSET, so a page costs the same at the newest message and a
 * million messages deep. Each row comes with `readerId`'s own reactions on it (`ownReactionsColumn`).
 */
export function messagePageQuery(
  db: Kysely<Database>,
  roomId: string,
  cursor: MessagePageCursor,
  limit: number,
  scope: MessagePageScope = "all",
  readerId: string | null = null,
) {
  let query = db
    .selectFrom("messages")
    .selectAll()
    .select(ownReactionsColumn(readerId))
    .where("room_id", "=", roomId)
    .limit(limit);
  if (scope === "room") {
    // The condition of the index `messages_room_history`, its 1 written out (not a parameter) so
    // that both engines see the index holds every row wanted: no reply between them is read.
    query = query.where((eb) => eb.or([eb("thread_id", "is", null), eb("also_in_room", "=", sql.lit(1))]));
  } else if (scope !== "all") {
    query = query.where("thread_id", "=", scope.threadId);
  }
  if ("after" in cursor) return query.where("seq", ">", cursor.after).orderBy("seq", "asc");
  if ("before" in cursor) return query.where("seq", "<", cursor.before).orderBy("seq", "desc");
  return query.orderBy("seq", "desc");
}
