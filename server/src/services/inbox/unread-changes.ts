import type { Database } from "@natter/db";
import type { InboxEvent } from "@natter/shared";
import { type Kysely, sql, type Transaction } from "kysely";
import { appendInboxEntries, type InboxEntry } from "../../events/inbox-log.js";
import { unreadCountOf, unreadMentionsOf } from "./unread-counts.js";

type UnreadChanged = Extract<InboxEvent, { type: "unread.changed" }>;

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
    const member = await trx
      .selectFrom("room_members")
      .select("user_id")
      .where("room_id", "=", roomId)
      .where("user_id", "=", userId)
      .executeTakeFirst();
    if (!member) return [];
    const input = { type: "unread.changed" as const, roomId, unread: 0, mentions: 0 };
    return appendInboxEntries(trx, [{ userId, input }], now, fillUnreadCounts);
  });
}

/**
 * Gives each `unread.changed` entry the counts of its user in its room, read once the users'
 * inbox heads are taken (`appendInboxEntries`), so that the counts agree with the entries'
 * order: a message committed before the entry is counted in it, one whose summary comes later
 * is not.
 */
export async function fillUnreadCounts(trx: Transaction<Database>, entries: readonly InboxEntry[]): Promise<void> {
  const byRoom = new Map<string, Map<string, UnreadChanged[]>>();
  for (const { userId, event } of entries) {
    if (event.type !== "unread.changed") continue;
    const users = byRoom.get(event.roomId) ?? new Map<string, UnreadChanged[]>();
    users.set(userId, [...(users.get(userId) ?? []), event]);
    byRoom.set(event.roomId, users);
  }
  const member = sql.ref("room_members.user_id");
  for (const [roomId, users] of byRoom) {
    const rows = await trx
      .selectFrom("room_members")
      .select(["user_id", unreadCountOf(member).as("unread"), unreadMentionsOf(member).as("mentions")])
      .where("room_id", "=", roomId)
      .where("user_id", "in", [...users.keys()])
      .execute();
    for (const row of rows) {
      for (const event of users.get(row.user_id) ?? []) {
        event.unread = Number(row.unread);
        event.mentions = Number(row.mentions);
      }
    }
  }
}
