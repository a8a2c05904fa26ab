import type { Database } from "@natter/db";
import { NatterError, type UnreadInput, type UnreadPage } from "@natter/shared";
import type { Kysely } from "kysely";
import type { AuthSession } from "../../auth/auth-session.js";
import { type Clock, toTimestamp } from "../../clock/clock.js";
import { type InboxEntry, inboxBounds, inboxSeqOf } from "../../events/inbox-log.js";
import type { LogBus } from "../../events/room-event-bus.js";
import { readableRoom, requireRole } from "../access/room-access.js";
import type { ReadReceipts } from "../conversations/read-receipts.js";
import { recordUnreadChange } from "../inbox/unread-changes.js";
import { unreadCountOf, unreadMentionsOf } from "../inbox/unread-counts.js";
import { decodeCursor, encodeCursor } from "../paging/page-cursor.js";

/** What moving a read cursor needs (see `MessagesServiceDeps`). */
export interface ReadCursorDeps {
  db: Kysely<Database>;
  clock: Clock;
  receipts?: Pick<ReadReceipts, "moved"> | undefined;
  inbox?: LogBus<InboxEntry> | undefined;
}

/**
 * Moves the caller's read cursor forward to `seq` (never back; a seq past the room's
 * newest counts as the newest) and answers where it now stands.
 */
export async function markRead(
  deps: ReadCursorDeps,
  session: AuthSession,
  roomId: string,
  seq: number,
): Promise<number> {
  const { db } = deps;
  const access = await readableRoom(db, roomId, session);
  requireRole(access, "member");
  const target = Math.min(seq, access.lastSeq);
  const at = toTimestamp(deps.clock.now());
  const row = await db
    .updateTable("room_members")
    .set((eb) => ({
      read_seq: eb.case().when("read_seq", "<", target).then(target).else(eb.ref("read_seq")).end(),
      read_at: eb.case().when("read_seq", "<", target).then(at).else(eb.ref("read_at")).end(),
    }))
    .where("room_id", "=", roomId)
    .where("user_id", "=", session.userId)
    .returning(["read_seq", "read_at"])
    .executeTakeFirst();
  // The caller left between the check and the update.
  if (!row) throw new NatterError("FORBIDDEN", "Only a room member or higher may do this", { requiredRole: "member" });
  if (row.read_at === at && row.read_seq === target) {
    deps.receipts?.moved(roomId, session.userId);
    const { inbox } = deps;
    if (inbox) await inbox.publish(await recordUnreadChange(db, session.userId, roomId, deps.clock.now()));
  }
  return row.read_seq;
}

/**
 * The caller's unread state in each room they belong to: messages after their cursor,
 * written by others and not deleted, counted up to `LIMITS.unreadCountMax`.
 */
export async function unreadPage(
  db: Kysely<Database>,
  session: AuthSession,
  { limit, cursor }: UnreadInput,
): Promise<UnreadPage> {
  let query = db
    .selectFrom("room_members")
    .innerJoin("rooms", "rooms.id", "room_members.room_id")
    .select(["room_members.room_id as roomId", "room_members.read_seq as readSeq", "rooms.last_seq as lastSeq"])
    .select(unreadCountOf(session.userId).as("unreadCount"))
    .select(unreadMentionsOf(session.userId).as("mentions"))
    .select((eb) =>
      // The newest by seq through the (room_id, seq) index, skipping replies kept in their thread.
      eb
        .selectFrom("messages")
        .select("messages.created_at")
        .whereRef("messages.room_id", "=", "rooms.id")
        .where((inner) => inner.or([inner("messages.thread_id", "is", null), inner("messages.also_in_room", "=", 1)]))
        .orderBy("messages.seq", "desc")
        .limit(1)
        .as("lastMessageAt"),
    )
    // In the same statement, so that the position and the counts are one snapshot on either engine.
    .select(inboxSeqOf(session.userId).as("inboxSeq"))
    .where("room_members.user_id", "=", session.userId);
  if (cursor !== undefined) query = query.where("room_members.room_id", ">", decodeCursor("unread", cursor));
  const rows = await query
    .orderBy("room_members.room_id")
    .limit(limit + 1)
    .execute();
  const rooms = rows.slice(0, limit).map(({ inboxSeq: _, ...row }) => ({
    ...row,
    unreadCount: Number(row.unreadCount ?? 0),
    mentions: Number(row.mentions ?? 0),
    lastMessageAt: row.lastMessageAt ?? null,
  }));
  const last = rooms.at(-1);
  // With no rooms there are no counts for the position to agree with.
  const inboxSeq = rows[0] ? Number(rows[0].inboxSeq ?? 0) : (await inboxBounds(db, session.userId)).newest;
  return { rooms, nextCursor: rows.length > limit && last ? encodeCursor("unread", last.roomId) : null, inboxSeq };
}
