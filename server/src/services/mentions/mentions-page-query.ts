import type { Database } from "@natter/db";
import type { Kysely } from "kysely";
import { readableBy } from "../access/room-access.js";

/**
 * A page of the messages that mention `userId`, newest first (message ids are time-ordered),
 * below the message `before` if given: only those of rooms the user can still read (open, or
 * closed with them a member) and not deleted.
 */
export function mentionsPageQuery(db: Kysely<Database>, userId: string, before: string | undefined, limit: number) {
  let query = db
    .selectFrom("message_mentions")
    .innerJoin("messages", "messages.id", "message_mentions.message_id")
    .innerJoin("rooms", "rooms.id", "message_mentions.room_id")
    .selectAll("messages")
    .where("message_mentions.user_id", "=", userId)
    .where("messages.deleted_at", "is", null)
    .where(readableBy(userId));
  if (before !== undefined) query = query.where("message_mentions.message_id", "<", before);
  return query.orderBy("message_mentions.message_id", "desc").limit(limit);
}
