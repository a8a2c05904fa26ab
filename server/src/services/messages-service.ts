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
  type MentionsInput,
  type MentionsPage,
  type Message,
  type MessagePage,
  type MessagePageInput,
  NatterError,
  type RoomEvent,
  type RoomEventInput,
  type SendMessageInput,
  type ThreadPageInput,
  type UnreadInput,
  type UnreadPage,
} from "@natter/shared";
import type { Kysely, Transaction } from "kysely";
import type { AuthSession } from "../auth/auth-session.js";
import type { Clock } from "../clock/clock.js";
import { toTimestamp } from "../clock/clock.js";
import { type InboxEntry, inboxBounds, inboxSeqOf } from "../events/inbox-log.js";
import type { LogBus } from "../events/room-event-bus.js";
import {
  appendRoomEvent,
  deleteMessageEvents,
  deleteReactionEvents,
  rewriteMessageEvents,
} from "../events/room-log.js";
import type { BlobStore } from "../uploads/blob-store.js";
import { recordActivity } from "./activity-log.js";
import { attachmentsOf, attachUploads, deleteUploads, uploadsOfMessage } from "./attachments.js";
import type { ReadReceipts } from "./conversations/read-receipts.js";
import { forgetReply, recordReply, requireThreadRoot } from "./conversations/thread-replies.js";
import { requireNoBlock } from "./direct/blocks.js";
import { recordUnreadChange } from "./inbox/unread-changes.js";
import { mentionsPageQuery } from "./mentions/mentions-page-query.js";
import { mentionsAnything, NO_MENTIONS, resolveMentions, storeMentions } from "./mentions/resolve-mentions.js";
import { type MessagePageCursor, type MessagePageScope, messagePageQuery } from "./message-page-query.js";
import {
  findMessage,
  type MessageRow,
  messageInRoom,
  messageSeenBy,
  messagesSeenBy,
  ownReactions,
  toMessage,
} from "./message-rows.js";
import type { TextFilter } from "./moderation/blocked-terms-service.js";
import { admitSend, requireNotMuted } from "./moderation/send-restrictions.js";
import { decodeCursor, encodeCursor } from "./page-cursor.js";
import { moderatableRoom, readableRoom, requireRole, requireRoleOrServerAdmin } from "./room-access.js";
import type { RoomWrite, RoomWriter } from "./room-writes/room-writer.js";
import { unreadCountOf, unreadMentionsOf } from "./unread-counts.js";

export interface MessagesServiceDeps {
  db: Kysely<Database>;
  /** Runs each change serialised with the room's other changes, and publishes its events. */
  writer: RoomWriter;
  /** Where attachments' bytes are, to delete them with their message. */
  blobs: BlobStore;
  clock: Clock;
  /** Tells the room's members when a read cursor moves; none for tools that write alone (seeding). */
  receipts?: Pick<ReadReceipts, "moved">;
  /**
   * Told of every message sent, once stored: the author's typing indicator in the room ends
   * with it, so that nobody (a watcher who arrives a second later included) still sees them typing.
   */
  onSent?: (roomId: string, authorId: string) => void;
  /** Where the reader's `unread.changed` inbox entry is published when their cursor moves; none: not written. */
  inbox?: LogBus<InboxEntry>;
  /** The blocked terms every body and edit goes through; none for tools that write alone (seeding). */
  textFilter?: TextFilter;
}

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
 * Sending, editing, deleting and reading messages, and read cursors. Every change is an
 * entry of the room's log, written through the room writer (serialised with the room's other
 * changes) and published after commit.
 */
export class MessagesService {
  constructor(private readonly deps: MessagesServiceDeps) {}

  /**
   * Posts a message as a member. With a `clientMessageId`, a retry by the same author in
   * the same room answers the original and creates nothing, however many retries race: they
   * run one after the other, and each later one finds the original.
   */
  async send(session: AuthSession, roomId: string, input: Omit<SendMessageInput, "roomId">): Promise<Message> {
    const { clientMessageId = null, replyToId = null, attachmentIds = [], threadId = null, alsoInRoom = false } = input;
    if (alsoInRoom && threadId === null) {
      throw new NatterError("VALIDATION_FAILED", "Input validation failed", {
        issues: [{ path: "alsoInRoom", message: "needs a threadId" }],
      });
    }
    // Before the room's turn: matching needs no lock, and a refused body holds up nobody.
    const body = this.deps.textFilter ? await this.deps.textFilter.filter(input.body) : input.body;
    const sent = await this.deps.writer.write(roomId, async (trx, now) => {
      const access = await readableRoom(trx, roomId, session);
      requireRole(access, "member");
      if (access.kind === "direct") await requireNoBlock(trx, roomId, session.userId);
      if (clientMessageId !== null) {
        const original = await findByClientId(trx, roomId, session.userId, clientMessageId);
        if (original) return unchanged(await messageSeenBy(trx, original, session.userId));
      }
      await admitSend(trx, access, session.userId, now);
      if (replyToId !== null) await requireReplyTarget(trx, roomId, replyToId);
      const root = threadId === null ? null : await requireThreadRoot(trx, roomId, threadId);
      const resolved = await resolveMentions(trx, access, session.userId, body);
      const event = await appendRoomEvent(
        trx,
        roomId,
        (seq) => ({
          type: "message.created" as const,
          actorId: session.userId,
          message: {
            id: uuidV7(now),
            roomId,
            seq,
            authorId: session.userId,
            body,
            replyToId,
            createdAt: toTimestamp(now),
            editedAt: null,
            deletedAt: null,
            attachments: [],
            reactions: [],
            threadId,
            thread: null,
            pinnedAt: null,
            pinnedBy: null,
            mentions: resolved.mentions,
            mentionsRoom: resolved.room,
          },
        }),
        now,
      );
      const { message } = event;
      await insertMessage(trx, message, clientMessageId, alsoInRoom);
      if (mentionsAnything(resolved)) await storeMentions(trx, message, resolved);
      const shard = messageShardOf(roomId);
      await bumpCounters(trx, {
        [messagesCounter(shard)]: 1,
        [messagesInHourCounter(hourOf(message.createdAt), shard)]: 1,
      });
      // The root's new summary follows the reply in the log.
      const threadEvents = root ? [await recordReply(trx, root, message, now)] : [];
      if (attachmentIds.length === 0) return { events: [event, ...threadEvents], result: message };
      // Uploads point at their message, so they are attached once it exists, and the stored event updated.
      const withFiles = { ...message, attachments: await attachUploads(trx, session.userId, message, attachmentIds) };
      await rewriteMessageEvents(trx, roomId, withFiles);
      return { events: [{ ...event, message: withFiles }, ...threadEvents], result: withFiles };
    });
    this.deps.onSent?.(roomId, session.userId);
    return sent;
  }

  /**
   * Replaces a message's body; only its author may, while a member of the room. The stored
   * events that carried the message are rewritten to the new version.
   */
  async edit(
    session: AuthSession,
    roomId: string,
    messageId: string,
    text: string,
    attachmentIds?: readonly string[],
  ): Promise<Message> {
    const body = this.deps.textFilter ? await this.deps.textFilter.filter(text) : text;
    return this.deps.writer.write(roomId, async (trx, now) => {
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
        await deleteUploads(trx, this.deps.blobs, uploadsOfMessage(messageId, attachmentIds));
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
    });
  }

  /**
   * Turns a message into a tombstone that keeps its place; its author, a room admin or a
   * server admin (in any room, open or closed) may. The body is also scrubbed from the
   * stored events that carried it, so no replay shows it again. Deleting a tombstone answers
   * it unchanged. Deleting someone else's message is moderation: the activity log keeps it.
   */
  delete(session: AuthSession, roomId: string, messageId: string): Promise<Message> {
    return this.deps.writer.write(roomId, async (trx, now) => {
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
      const { events: tombstoned, message } = await tombstoneMessage(trx, this.deps.blobs, row, session.userId, now);
      events.push(...tombstoned);
      return { events, result: message };
    });
  }

  /**
   * Deletes for good up to `limit` of the oldest messages created before `cutoff`, tombstones
   * included: their uploads (and the bytes nothing else uses) as a delete by a user removes
   * them, and every stored event that carried them. Each room's share is one room change, so
   * it is serialised with the room's other changes (and another node's sweep finds the rows
   * gone rather than deleting them twice). Writes no event (see `MessageRetention`).
   * Answers how many it deleted.
   */
  async deleteCreatedBefore(cutoff: number, limit: number): Promise<number> {
    const { db, writer, blobs } = this.deps;
    const candidates = await db
      .selectFrom("messages")
      .select(["id", "room_id"])
      .where("created_at", "<", toTimestamp(cutoff))
      .orderBy("created_at")
      .limit(limit)
      .execute();
    const byRoom = new Map<string, string[]>();
    for (const row of candidates) byRoom.set(row.room_id, [...(byRoom.get(row.room_id) ?? []), row.id]);
    let deleted = 0;
    for (const [roomId, ids] of byRoom) {
      deleted += await writer.write(roomId, async (trx) => {
        const doomed = await trx
          .selectFrom("messages")
          .select(["id", "deleted_at"])
          .where("room_id", "=", roomId)
          .where("id", "in", ids)
          .execute();
        for (const { id } of doomed) {
          await deleteUploads(trx, blobs, uploadsOfMessage(id));
          await deleteMessageEvents(trx, roomId, id);
          await trx.deleteFrom("messages").where("id", "=", id).execute();
        }
        // Tombstones were uncounted when deleted. The hourly counts the admin figures show cover
        // the last day, which retention (whole days) never reaches.
        const live = doomed.filter((row) => row.deleted_at === null).length;
        await bumpCounters(trx, { [messagesCounter(messageShardOf(roomId))]: -live });
        return { events: [], result: doomed.length };
      });
    }
    return deleted;
  }

  /**
   * A page of a room's history, tombstones included; anyone may read an open room. Thread
   * replies are left out unless sent `alsoInRoom`, or asked for with `threads: "include"`.
   */
  async list(
    session: AuthSession | null,
    roomId: string,
    input: Omit<MessagePageInput, "roomId">,
  ): Promise<MessagePage> {
    await readableRoom(this.deps.db, roomId, session);
    return this.page(session, roomId, input.threads === "include" ? "all" : "room", input);
  }

  /** One message of a room, as history shows it; anyone may read an open room. */
  async get(session: AuthSession | null, roomId: string, messageId: string): Promise<Message> {
    const { db } = this.deps;
    await readableRoom(db, roomId, session);
    return messageSeenBy(db, await findMessage(db, roomId, messageId), session?.userId ?? null);
  }

  /**
   * A page of the replies in the thread under `messageId`, as history pages (same cursors).
   * A message without replies has an empty thread.
   */
  async thread(
    session: AuthSession | null,
    roomId: string,
    messageId: string,
    input: Omit<ThreadPageInput, "roomId" | "messageId">,
  ): Promise<MessagePage> {
    const { db } = this.deps;
    await readableRoom(db, roomId, session);
    await findMessage(db, roomId, messageId);
    return this.page(session, roomId, { threadId: messageId }, input);
  }

  private async page(
    session: AuthSession | null,
    roomId: string,
    scope: MessagePageScope,
    input: { before?: number | undefined; after?: number | undefined; limit: number },
  ): Promise<MessagePage> {
    const { db } = this.deps;
    const cursor: MessagePageCursor =
      input.after !== undefined
        ? { after: input.after }
        : input.before !== undefined
          ? { before: input.before }
          : { newest: true };
    // One row more than asked tells whether another page follows.
    const rows = await messagePageQuery(db, roomId, cursor, input.limit + 1, scope).execute();
    return {
      messages: await messagesSeenBy(db, rows.slice(0, input.limit), session?.userId ?? null),
      hasMore: rows.length > input.limit,
    };
  }

  /**
   * Moves the caller's read cursor forward to `seq` (never back; a seq past the room's
   * newest counts as the newest) and answers where it now stands.
   */
  async markRead(session: AuthSession, roomId: string, seq: number): Promise<number> {
    const { db } = this.deps;
    const access = await readableRoom(db, roomId, session);
    requireRole(access, "member");
    const target = Math.min(seq, access.lastSeq);
    const at = toTimestamp(this.deps.clock.now());
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
    if (!row)
      throw new NatterError("FORBIDDEN", "Only a room member or higher may do this", { requiredRole: "member" });
    if (row.read_at === at && row.read_seq === target) {
      this.deps.receipts?.moved(roomId, session.userId);
      const { inbox } = this.deps;
      if (inbox) await inbox.publish(await recordUnreadChange(db, session.userId, roomId, this.deps.clock.now()));
    }
    return row.read_seq;
  }

  /**
   * The caller's unread state in each room they belong to: messages after their cursor,
   * written by others and not deleted, counted up to `LIMITS.unreadCountMax`.
   */
  async unread(session: AuthSession, { limit, cursor }: UnreadInput): Promise<UnreadPage> {
    let query = this.deps.db
      .selectFrom("room_members")
      .innerJoin("rooms", "rooms.id", "room_members.room_id")
      .select(["room_members.room_id as roomId", "room_members.read_seq as readSeq", "rooms.last_seq as lastSeq"])
      .select(unreadCountOf(session.userId).as("unreadCount"))
      .select(unreadMentionsOf(session.userId).as("mentions"))
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
    }));
    const last = rooms.at(-1);
    // With no rooms there are no counts for the position to agree with.
    const inboxSeq = rows[0] ? Number(rows[0].inboxSeq ?? 0) : (await inboxBounds(this.deps.db, session.userId)).newest;
    return { rooms, nextCursor: rows.length > limit && last ? encodeCursor("unread", last.roomId) : null, inboxSeq };
  }

  /**
   * The messages that mention the caller (by name or `@room`) in rooms they can still read,
   * newest first; deleted ones drop out.
   */
  async mentions(session: AuthSession, { limit, cursor }: MentionsInput): Promise<MentionsPage> {
    const { db } = this.deps;
    const before = cursor === undefined ? undefined : decodeCursor("mentions", cursor);
    const rows = await mentionsPageQuery(db, session.userId, before, limit + 1).execute();
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return {
      messages: await messagesSeenBy(db, page, session.userId),
      nextCursor: rows.length > limit && last ? encodeCursor("mentions", last.id) : null,
    };
  }
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
