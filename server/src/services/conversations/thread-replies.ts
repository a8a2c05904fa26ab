import type { Database } from "@natter/db";
import { LIMITS, type Message, NatterError, type RoomEvent, type ThreadSummary } from "@natter/shared";
import type { Transaction } from "kysely";
import { appendRoomEvent } from "../../events/room-log.js";
import { type MessageRow, messageInRoom, threadOf } from "../message-rows/message-rows.js";

/**
 * The root a reply is sent to: a top-level message of the same room (anything else is a bad
 * input). A deleted root's thread stays readable but takes no new replies (CONFLICT).
 */
export async function requireThreadRoot(
  trx: Transaction<Database>,
  roomId: string,
  threadId: string,
): Promise<MessageRow> {
  const root = await messageInRoom(trx, roomId, threadId);
  if (!root || root.thread_id !== null) {
    throw new NatterError("VALIDATION_FAILED", "Input validation failed", {
      issues: [{ path: "threadId", message: "must be a top-level message of this room" }],
    });
  }
  if (root.deleted_at !== null) throw new NatterError("CONFLICT", "The thread's first message has been deleted");
  return root;
}

/**
 * Counts a new reply into its root's summary (its author becomes the most recent
 * participant), makes the replier and the root's author participants of the thread, and
 * logs the new summary. Runs in the room's serialised write, so concurrent replies count exactly.
 */
export async function recordReply(
  trx: Transaction<Database>,
  root: MessageRow,
  reply: Message,
  now: number,
): Promise<RoomEvent> {
  const before = threadOf(root);
  const participantIds = [
    reply.authorId,
    ...(before?.participantIds ?? []).filter((id) => id !== reply.authorId),
  ].slice(0, LIMITS.threadParticipantsMax);
  const thread: ThreadSummary = {
    replyCount: (before?.replyCount ?? 0) + 1,
    lastReplyAt: reply.createdAt,
    participantIds,
  };
  await trx
    .updateTable("messages")
    .set({
      thread_reply_count: thread.replyCount,
      thread_last_reply_at: thread.lastReplyAt,
      thread_participant_ids: JSON.stringify(participantIds),
    })
    .where("id", "=", root.id)
    .execute();
  await trx
    .insertInto("thread_participants")
    .values(
      [...new Set([root.author_id, reply.authorId])].map((userId) => ({
        user_id: userId,
        root_id: root.id,
        room_id: root.room_id,
      })),
    )
    .onConflict((conflict) => conflict.columns(["user_id", "root_id"]).doNothing())
    .execute();
  return appendRoomEvent(
    trx,
    root.room_id,
    { type: "thread.updated", actorId: reply.authorId, messageId: root.id, thread },
    now,
  );
}

/**
 * Takes a deleted reply out of its root's summary and logs the new one; null if the root is
 * gone. The summary is recounted from the replies still there (through `messages_by_thread`),
 * not decremented: the last reply and the recent repliers are the remaining ones', and a
 * thread left with no reply has no last reply (the root then reads `thread: null` again).
 */
export async function forgetReply(
  trx: Transaction<Database>,
  roomId: string,
  rootId: string,
  actorId: string,
  now: number,
): Promise<RoomEvent | null> {
  const root = await messageInRoom(trx, roomId, rootId);
  if (!root || !threadOf(root)) return null;
  const remaining = trx
    .selectFrom("messages")
    .where("thread_id", "=", rootId)
    .where("room_id", "=", roomId)
    .where("deleted_at", "is", null);
  // One after the other: a transaction holds one connection.
  const totals = await remaining
    .select((eb) => [eb.fn.countAll<number | string>().as("replyCount"), eb.fn.max("created_at").as("lastReplyAt")])
    .executeTakeFirstOrThrow();
  const repliers = await remaining
    .select((eb) => ["author_id", eb.fn.max("seq").as("lastSeq")])
    .groupBy("author_id")
    .orderBy("lastSeq", "desc")
    .limit(LIMITS.threadParticipantsMax)
    .execute();
  const replyCount = Number(totals.replyCount);
  const thread: ThreadSummary = {
    replyCount,
    lastReplyAt: replyCount === 0 ? null : (totals.lastReplyAt ?? null),
    participantIds: repliers.map((row) => row.author_id),
  };
  await trx
    .updateTable("messages")
    .set({
      thread_reply_count: thread.replyCount,
      thread_last_reply_at: thread.lastReplyAt,
      thread_participant_ids: thread.participantIds.length === 0 ? null : JSON.stringify(thread.participantIds),
    })
    .where("id", "=", rootId)
    .execute();
  return appendRoomEvent(trx, roomId, { type: "thread.updated", actorId, messageId: rootId, thread }, now);
}
