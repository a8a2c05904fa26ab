import type { Database } from "@natter/db";
import type { Kysely } from "kysely";
import { appendInboxEntries, type InboxEntry } from "../../events/inbox-log.js";
import { unreadCountOf, unreadMentionsOf } from "./unread-counts.js";

/**
 * Writes an `unread.changed` entry to the user's inbox with the room's counts as they stand
 * now (after their read cursor moved), in a transaction of its own; answers it to publish.
 * None when the user is no longer a member.
 */
export async function recordUnreadChange(
  db: Kysely<Database>,
  userId: string,
  roomId: string,
  now: number,
): Promise<InboxEntry[]> {
  return db.transaction().execute(async (trx) => {
    const counts = await trx
      .selectFrom("room_members")
      .select([unreadCountOf(userId).as("unread"), unreadMentionsOf(userId).as("mentions")])
      .where("room_id", "=", roomId)
      .where("user_id", "=", userId)
      .executeTakeFirst();
    if (!counts) return [];
    const input = {
      type: "unread.changed" as const,
      roomId,
      unread: Number(counts.unread),
      mentions: Number(counts.mentions),
    };
    return appendInboxEntries(trx, [{ userId, input }], now);
  });
}
