import type { Database } from "@natter/db";
import type { Kysely } from "kysely";

/** Where a page of history starts: below `before` (newest first) or above `after` (oldest first). */
export type MessagePageCursor = { before: number } | { after: number } | { newest: true };

/**
 * The query for one page of a room's messages. Keyset on `(room_id, seq)` (the unique index
 * `messages_by_seq`), never OFFSET, so a page costs the same at the newest message and a
 * million messages deep.
 */
export function messagePageQuery(db: Kysely<Database>, roomId: string, cursor: MessagePageCursor, limit: number) {
  const query = db.selectFrom("messages").selectAll().where("room_id", "=", roomId).limit(limit);
  if ("after" in cursor) return query.where("seq", ">", cursor.after).orderBy("seq", "asc");
  if ("before" in cursor) return query.where("seq", "<", cursor.before).orderBy("seq", "desc");
  return query.orderBy("seq", "desc");
}
