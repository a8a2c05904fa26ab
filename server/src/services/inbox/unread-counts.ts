import { LIMITS } from "@natter/shared";
import { type RawBuilder, sql } from "kysely";

/*
 * Unread counts of one member, as columns of a query that has `room_members` (the member's
 * row) in scope. Each stops at `LIMITS.unreadCountMax`, so a count costs a bounded scan of
 * an index however far behind the cursor is. `user` is the member's id, or a reference to
 * it (`sql.ref("room_members.user_id")`) to count for every member a query reads.
 */

type Member = string | RawBuilder<unknown>;

/**
 * Messages after the member's read cursor, written by others, not deleted, shown in the room
 * (thread replies count only when sent `alsoInRoom`; `GET /me/threads` counts the rest).
 */
export function unreadCountOf(user: Member) {
  return sql<number>`(select count(*) from (select 1 from messages as unread where unread.room_id = room_members.room_id and unread.seq > room_members.read_seq and unread.author_id <> ${user} and unread.deleted_at is null and (unread.thread_id is null or unread.also_in_room = 1) limit ${LIMITS.unreadCountMax}) as counted)`;
}

/** Of those, the ones that mention the member (by name or `@room`). */
export function unreadMentionsOf(user: Member) {
  return sql<number>`(select count(*) from (select 1 from message_mentions as mentioned where mentioned.user_id = ${user} and mentioned.room_id = room_members.room_id and mentioned.seq > room_members.read_seq limit ${LIMITS.unreadCountMax}) as counted)`;
}
