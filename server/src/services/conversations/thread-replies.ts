import type { Database } from "@natter/db";
import { LIMITS, type Message, NatterError, type RoomEvent, type ThreadSummary } from "@natter/shared";
import type { Transaction } from "kysely";
import { appendRoomEvent } from "../../events/room-log.js";
import { type MessageRow, messageInRoom, threadOf } from "../message-rows.js";

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

/** Takes a deleted reply out of its root's count and logs the new summary; null if the root is gone. */
export async function forgetReply(
  trx: Transaction<Database>,
  roomId: string,
  rootId: string,
  actorId: string,
  now: number,
): Promise<RoomEvent | null> {
  const root = await messageInRoom(trx, roomId, rootId);
  const before = root && threadOf(root);
  if (!before) return null;
  const thread: ThreadSummary = { ...before, replyCount: Math.max(0, before.replyCount - 1) };
  await trx.updateTable("messages").set({ thread_reply_count: thread.replyCount }).where("id", "=", rootId).execute();
  return appendRoomEvent(trx, roomId, { type: "thread.updated", actorId, messageId: rootId, thread }, now);
}
