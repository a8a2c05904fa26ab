import {
  bumpCounters,
  type Database,
  hourOf,
  messageShardOf,
  messagesCounter,
  messagesInHourCounter,
  preparedQuery,
  uuidV7,
} from "@natter/db";
import {
  type Attachment,
  type Message,
  NatterError,
  type RoomEvent,
  type RoomEventInput,
  type SendMessageInput,
} from "@natter/shared";
import type { Kysely, Transaction } from "kysely";
import type { AuthSession } from "../../auth/auth-session.js";
import { toTimestamp } from "../../clock/clock.js";
import { appendRoomEvent, deleteReactionEvents, rewriteMessageEvents, storeRoomEvent } from "../../events/room-log.js";
import type { BlobStore } from "../../uploads/blob-store.js";
import {
  moderatableRoom,
  type RoomAccess,
  readableRoom,
  requireRole,
  requireRoleOrServerAdmin,
} from "../access/room-access.js";
import { recordActivity } from "../activity/activity-log.js";
import { forgetReply, recordReply, requireThreadRoot } from "../conversations/thread-replies.js";
import { requireNoBlock } from "../direct/blocks.js";
import {
  mentionsAnything,
  NO_MENTIONS,
  type ResolvedMentions,
  resolveMentions,
  storeMentions,
} from "../mentions/resolve-mentions.js";
import { attachmentsOf, attachUploads, deleteUploads, uploadsOfMessage } from "../message-rows/attachments.js";
import {
  findMessage,
  type MessageRow,
  messageInRoom,
  messageSeenBy,
  ownReactions,
  toMessage,
} from "../message-rows/message-rows.js";
import { admitSend, requireNotMuted } from "../moderation/send-restrictions.js";
import type { RoomStateCache, RoomTurn } from "../room-writes/room-state-cache.js";
import type { RoomWrite } from "../room-writes/room-writer.js";

/** Stores a new message's row: prepared once, as every send runs it. */
function insertMessage(
  trx: Transaction<Database>,
  message: Message,
  clientMessageId: string | null,
  alsoInRoom: boolean,
) {
  return insertMessageRow(
    trx,
    message.id,
    message.roomId,
    message.seq,
    message.authorId,
    message.body,
    message.replyToId,
    clientMessageId,
    message.createdAt,
    message.threadId,
    alsoInRoom ? 1 : 0,
  );
}

const insertMessageRow = preparedQuery(
  (
    db,
    id: string,
    roomId: string,
    seq: number,
    authorId: string,
    body: string | null,
    replyToId: string | null,
    clientMessageId: string | null,
    createdAt: string,
    threadId: string | null,
    alsoInRoom: number,
  ) =>
    db.insertInto("messages").values({
      id,
      room_id: roomId,
      seq,
      author_id: authorId,
      body,
      reply_to_id: replyToId,
      client_message_id: clientMessageId,
      created_at: createdAt,
      thread_id: threadId,
      also_in_room: alsoInRoom,
    }),
);

/**
 * Posts a message as a member. With a `clientMessageId`, a retry by the same author in
 * the same room answers the original and creates nothing, however many retries race: they
 * run one after the other, and each later one finds the original.
 * Runs inside the room writer's turn; `body` has been through the blocked terms already.
 * The room's next seq is taken first, with what `rooms` keeps of the room at the version read
 * in that same statement (the sender's role, the members the inbox entries go to, the webhook
 * endpoints): nothing of it is read again unless it changed.
 */
export async function sendMessage(
  trx: Transaction<Database>,
  rooms: RoomStateCache,
  session: AuthSession,
  roomId: string,
  input: Omit<SendMessageInput, "roomId">,
  body: string,
  now: number,
): Promise<RoomWrite<Message>> {
  const { clientMessageId = null, replyToId = null, attachmentIds = [], threadId = null, alsoInRoom = false } = input;
  if (clientMessageId !== null) {
    const original = await findByClientId(trx, roomId, session.userId, clientMessageId);
    // A retry takes no seq: checked as a send is, then answered the original.
    if (original) {
      const access = await readableRoom(trx, roomId, session);
      await requireSender(trx, access, session.userId);
      return unchanged(await messageSeenBy(trx, original, session.userId));
    }
  }
  const turn = await rooms.takeTurn(trx, roomId);
  if (!turn) throw new NatterError("ROOM_NOT_FOUND", "No such room");
  const access = accessOfTurn(turn, session.userId);
  await requireSender(trx, access, session.userId);
  await admitSend(trx, access, session.userId, now);
  if (replyToId !== null) await requireReplyTarget(trx, roomId, replyToId);
  const root = threadId === null ? null : await requireThreadRoot(trx, roomId, threadId);
  const resolved = await resolveMentions(trx, access, session.userId, body);
  const event = await storeRoomEvent(
    trx,
    roomId,
    turn.seq,
    (seq) => messageCreated(roomId, seq, session.userId, body, { replyToId, threadId, alsoInRoom }, resolved, now),
    now,
  );
  const { message } = event;
  await insertMessage(trx, message, clientMessageId, alsoInRoom);
  if (mentionsAnything(resolved)) await storeMentions(trx, message, resolved);
  const counters = sentCounters(message);
  // What the writer's inbox entries and webhook deliveries need, already read (or kept) above.
  // Not `{ ...turn, usernames }`: V8 missed its inline cache on the property added after the
  // spread, a runtime call every send.
  const known = Object.assign({}, turn, { usernames: new Map([[session.userId, session.username]]) });
  // The root's new summary follows the reply in the log.
  const threadEvents = root ? [await recordReply(trx, root, message, now)] : [];
  if (attachmentIds.length === 0) return { events: [event, ...threadEvents], result: message, known, counters };
  // Uploads point at their message, so they are attached once it exists, and the stored event updated.
  const withFiles = { ...message, attachments: await attachUploads(trx, session.userId, message, attachmentIds) };
  await rewriteMessageEvents(trx, roomId, withFiles);
  return { events: [{ ...event, message: withFiles }, ...threadEvents], result: withFiles, known, counters };
}

/** The `message.created` event of a new message, before its room's log stores it. */
export function messageCreated(
  roomId: string,
  seq: number,
  authorId: string,
  body: string,
  place: { replyToId: string | null; threadId: string | null; alsoInRoom: boolean },
  resolved: ResolvedMentions,
  now: number,
) {
  const { replyToId, threadId, alsoInRoom } = place;
  return {
    type: "message.created" as const,
    actorId: authorId,
    message: {
      id: uuidV7(now),
      roomId,
      seq,
      authorId,
      body,
      replyToId,
      createdAt: toTimestamp(now),
      editedAt: null,
      deletedAt: null,
      attachments: [],
      reactions: [],
      threadId,
      alsoInRoom: threadId !== null && alsoInRoom,
      thread: null,
      pinnedAt: null,
      pinnedBy: null,
      mentions: resolved.mentions,
      mentionsRoom: resolved.room,
    },
  };
}

/** The stat counters a new message bumps: bumped by the writer, once for the batch the send commits in. */
export function sentCounters(message: Pick<Message, "roomId" | "createdAt">): Record<string, number> {
  const shard = messageShardOf(message.roomId);
  return { [messagesCounter(shard)]: 1, [messagesInHourCounter(hourOf(message.createdAt), shard)]: 1 };
}

/**
 * The sender's access as `readableRoom` answers it (a closed room answers a non-member
 * ROOM_NOT_FOUND), from the room's turn. `lastSeq` is the room's newest seq before this send's.
 */
export function accessOfTurn(turn: RoomTurn, userId: string): RoomAccess {
  const role = turn.members.get(userId) ?? null;
  if (!turn.open && role === null) throw new NatterError("ROOM_NOT_FOUND", "No such room");
  return { roomId: turn.roomId, open: turn.open, kind: turn.kind, role, lastSeq: turn.seq - 1 };
}

/** A sender must be a member; in a direct room, neither of the two may have blocked the other. */
export async function requireSender(trx: Transaction<Database>, access: RoomAccess, userId: string): Promise<void> {
  requireRole(access, "member");
  if (access.kind === "direct") await requireNoBlock(trx, access.roomId, userId);
}

/**
 * Replaces a message's body; only its author may, while a member of the room. The stored
 * events that carried the message are rewritten to the new version.
 */
export async function editMessage(
  trx: Transaction<Database>,
  blobs: BlobStore,
  session: AuthSession,
  roomId: string,
  messageId: string,
  body: string,
  attachmentIds: readonly string[] | undefined,
  now: number,
): Promise<RoomWrite<Message>> {
  const access = await readableRoom(trx, roomId, session);
  requireRole(access, "member");
  const row = await findMessage(trx, roomId, messageId);
  if (row.author_id !== session.userId) {
    throw new NatterError("FORBIDDEN", "Only the author may edit a message");
  }
  if (row.deleted_at !== null) throw new NatterError("CONFLICT", "The message has been deleted");
  await requireNotMuted(trx, access, session.userId, now);
  let attachments: Attachment[];
  if (attachmentIds === undefined) {
    attachments = (await attachmentsOf(trx, [messageId])).get(messageId) ?? [];
  } else {
    await deleteUploads(trx, blobs, uploadsOfMessage(messageId, attachmentIds));
    attachments = await attachUploads(trx, session.userId, { id: messageId, roomId }, attachmentIds);
  }
  // The event goes to every watcher alike: no reaction is anyone's own in it.
  const resolved = await resolveMentions(trx, access, session.userId, body);
  await storeMentions(trx, { id: messageId, roomId, seq: row.seq }, resolved);
  const message: Message = {
    ...toMessage(row, attachments),
    body,
    editedAt: toTimestamp(now),
    mentions: resolved.mentions,
    mentionsRoom: resolved.room,
  };
  // An edit often takes back what should not have been said: no replay shows the old text.
  const event = await storeVersion(trx, message, { type: "message.edited", actorId: session.userId, message }, now);
  const own = await ownReactions(trx, session.userId, [messageId]);
  return { events: [event], result: { ...message, reactions: toMessage(row, attachments, own).reactions } };
}

/**
 * Turns a message into a tombstone that keeps its place; its author, a room admin or a
 * server admin (in any room, open or closed) may. The body is also scrubbed from the
 * stored events that carried it, so no replay shows it again. Deleting a tombstone answers
 * it unchanged. Deleting someone else's message is moderation: the activity log keeps it.
 */
export async function deleteMessage(
  trx: Transaction<Database>,
  blobs: BlobStore,
  session: AuthSession,
  roomId: string,
  messageId: string,
  now: number,
): Promise<RoomWrite<Message>> {
  const access = await moderatableRoom(trx, roomId, session);
  const asMember = requireRoleOrServerAdmin(access, "member");
  const row = await findMessage(trx, roomId, messageId);
  const own = row.author_id === session.userId && asMember === "role";
  const power = own ? null : requireRoleOrServerAdmin(access, "admin");
  if (row.deleted_at !== null) return unchanged(toMessage(row, []));
  const events: RoomEvent[] = [];
  if (power) {
    const detail = { messageId, moderation: power === "serverAdmin" ? "server admin" : "room admin" };
    const entry = {
      action: "message.deleted",
      actorId: session.userId,
      roomId,
      subjectId: row.author_id,
      detail,
    } as const;
    await recordActivity(trx, entry, now);
  }
  const { events: tombstoned, message } = await tombstoneMessage(trx, blobs, row, session.userId, now);
  events.push(...tombstoned);
  return { events, result: message };
}

/**
 * Turns a stored message into a tombstone in its room's transaction: its uploads (and bytes
 * nothing else uses), mentions, reactions and pin go, its body is scrubbed from every stored
 * event that carried it, and it drops out of the message counts. Answers the tombstone and
 * the events that tell the room (`message.deleted`, and `message.unpinned` and the thread's
 * change where they apply). What a delete by a person and an account deletion share.
 */
export async function tombstoneMessage(
  trx: Transaction<Database>,
  blobs: BlobStore,
  row: MessageRow,
  actorId: string,
  now: number,
): Promise<{ events: RoomEvent[]; message: Message }> {
  const { id: messageId, room_id: roomId } = row;
  const events: RoomEvent[] = [];
  await deleteUploads(trx, blobs, uploadsOfMessage(messageId));
  await storeMentions(trx, { id: messageId, roomId, seq: row.seq }, NO_MENTIONS);
  // A tombstone keeps no reactions and no pin; its thread stays readable.
  await trx.deleteFrom("message_reactions").where("message_id", "=", messageId).execute();
  await deleteReactionEvents(trx, roomId, messageId);
  await trx
    .updateTable("messages")
    .set({ reactions: null, pinned_at: null, pinned_by: null })
    .where("id", "=", messageId)
    .execute();
  const message: Message = {
    ...toMessage({ ...row, reactions: null, pinned_at: null, pinned_by: null }, []),
    body: null,
    deletedAt: toTimestamp(now),
    mentions: [],
    mentionsRoom: false,
  };
  // Out of the total and out of its hour: the admin figures count the messages still there.
  const shard = messageShardOf(roomId);
  await bumpCounters(trx, {
    [messagesCounter(shard)]: -1,
    [messagesInHourCounter(hourOf(row.created_at), shard)]: -1,
  });
  events.push(await storeVersion(trx, message, { type: "message.deleted", actorId, messageId }, now));
  if (row.pinned_at !== null) {
    events.push(await appendRoomEvent(trx, roomId, { type: "message.unpinned", actorId, messageId }, now));
  }
  if (row.thread_id !== null) {
    const threadEvent = await forgetReply(trx, roomId, row.thread_id, actorId, now);
    if (threadEvent) events.push(threadEvent);
  }
  return { events, message };
}

/** A write that found nothing to change: the message as it is, nothing to publish. */
function unchanged(message: Message): RoomWrite<Message> {
  return { events: [], result: message };
}

function findByClientId(
  db: Kysely<Database>,
  roomId: string,
  authorId: string,
  clientMessageId: string,
): Promise<MessageRow | undefined> {
  return db
    .selectFrom("messages")
    .selectAll()
    .where("room_id", "=", roomId)
    .where("author_id", "=", authorId)
    .where("client_message_id", "=", clientMessageId)
    .executeTakeFirst();
}

/** A reply must answer a message of the same room; anything else is a bad input. */
async function requireReplyTarget(db: Kysely<Database>, roomId: string, replyToId: string): Promise<void> {
  if (!(await messageInRoom(db, roomId, replyToId))) {
    throw new NatterError("VALIDATION_FAILED", "Input validation failed", {
      issues: [{ path: "replyToId", message: "must be a message of this room" }],
    });
  }
}

/**
 * Stores a new version of a message (edited or deleted), rewrites the stored events that
 * carried it to that version, and appends the change to the room's log.
 */
async function storeVersion(
  trx: Transaction<Database>,
  message: Message,
  change: Extract<RoomEventInput, { type: "message.edited" | "message.deleted" }>,
  now: number,
): Promise<RoomEvent> {
  await trx
    .updateTable("messages")
    .set({ body: message.body, edited_at: message.editedAt, deleted_at: message.deletedAt })
    .where("id", "=", message.id)
    .execute();
  await rewriteMessageEvents(trx, message.roomId, message);
  return appendRoomEvent(trx, message.roomId, change, now);
}
