import {
  bumpCounters,
  type Database,
  hourOf,
  type MessagesTable,
  messageShardOf,
  messagesCounter,
  messagesInHourCounter,
  preparedQuery,
  uuidV7,
} from "@natter/db";
import {
  type Attachment,
  type Mention,
  type MentionsInput,
  type MentionsPage,
  type Message,
  type MessagePage,
  type MessagePageInput,
  NatterError,
  type RoomEvent,
  type RoomEventInput,
  type SendMessageInput,
  type UnreadInput,
  type UnreadPage,
} from "@natter/shared";
import type { Kysely, Selectable, Transaction } from "kysely";
import type { AuthSession } from "../auth/auth-session.js";
import { toTimestamp } from "../clock/clock.js";
import { appendRoomEvent, deleteMessageEvents, rewriteMessageEvents } from "../events/room-log.js";
import type { BlobStore } from "../uploads/blob-store.js";
import { recordActivity } from "./activity-log.js";
import { attachmentsOf, attachUploads, deleteUploads, uploadsOfMessage } from "./attachments.js";
import { requireNoBlock } from "./direct/blocks.js";
import { mentionsPageQuery } from "./mentions/mentions-page-query.js";
import { mentionsAnything, NO_MENTIONS, resolveMentions, storeMentions } from "./mentions/resolve-mentions.js";
import { type MessagePageCursor, messagePageQuery } from "./message-page-query.js";
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
  /**
   * Told of every message sent, once stored: the author's typing indicator in the room ends
   * with it, so that nobody (a watcher who arrives a second later included) still sees them typing.
   */
  onSent?: (roomId: string, authorId: string) => void;
}

type MessageRow = Selectable<MessagesTable>;

/** Stores a new message's row: prepared once, as every send runs it. */
function insertMessage(trx: Transaction<Database>, message: Message, clientMessageId: string | null) {
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
    const { clientMessageId = null, replyToId = null, attachmentIds = [] } = input;
    const sent = await this.deps.writer.write(roomId, async (trx, now) => {
      const access = await readableRoom(trx, roomId, session);
      requireRole(access, "member");
      if (access.kind === "direct") await requireNoBlock(trx, roomId, session.userId);
      if (clientMessageId !== null) {
        const original = await findByClientId(trx, roomId, session.userId, clientMessageId);
        if (original) return unchanged(await withAttachments(trx, original));
      }
      await admitSend(trx, access, session.userId, now);
      if (replyToId !== null) await requireReplyTarget(trx, roomId, replyToId);
      const resolved = await resolveMentions(trx, access, session.userId, input.body);
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
            body: input.body,
            replyToId,
            createdAt: toTimestamp(now),
            editedAt: null,
            deletedAt: null,
            attachments: [],
            mentions: resolved.mentions,
            mentionsRoom: resolved.room,
          },
        }),
        now,
      );
      const { message } = event;
      await insertMessage(trx, message, clientMessageId);
      if (mentionsAnything(resolved)) await storeMentions(trx, message, resolved);
      const shard = messageShardOf(roomId);
      await bumpCounters(trx, {
        [messagesCounter(shard)]: 1,
        [messagesInHourCounter(hourOf(message.createdAt), shard)]: 1,
      });
      if (attachmentIds.length === 0) return changed(message, event);
      // Uploads point at their message, so they are attached once it exists, and the stored event updated.
      const withFiles = { ...message, attachments: await attachUploads(trx, session.userId, message, attachmentIds) };
      await rewriteMessageEvents(trx, roomId, withFiles);
      return changed(withFiles, { ...event, message: withFiles });
    });
    this.deps.onSent?.(roomId, session.userId);
    return sent;
  }

  /**
   * Replaces a message's body; only its author may, while a member of the room. The stored
   * events that carried the message are rewritten to the new version.
   */
  edit(
    session: AuthSession,
    roomId: string,
    messageId: string,
    body: string,
    attachmentIds?: readonly string[],
  ): Promise<Message> {
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
      return changed(message, event);
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
      await deleteUploads(trx, this.deps.blobs, uploadsOfMessage(messageId));
      await storeMentions(trx, { id: messageId, roomId, seq: row.seq }, NO_MENTIONS);
      const message: Message = {
        ...toMessage(row, []),
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
      const event = await storeVersion(
        trx,
        message,
        { type: "message.deleted", actorId: session.userId, messageId },
        now,
      );
      return changed(message, event);
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

  /** A page of a room's history, tombstones included; anyone may read an open room. */
  async list(
    session: AuthSession | null,
    roomId: string,
    input: Omit<MessagePageInput, "roomId">,
  ): Promise<MessagePage> {
    const { db } = this.deps;
    await readableRoom(db, roomId, session);
    const cursor: MessagePageCursor =
      input.after !== undefined
        ? { after: input.after }
        : input.before !== undefined
          ? { before: input.before }
          : { newest: true };
    // One row more than asked tells whether another page follows.
    const rows = await messagePageQuery(db, roomId, cursor, input.limit + 1).execute();
    const page = rows.slice(0, input.limit);
    const attachments = await attachmentsOf(
      db,
      page.map((row) => row.id),
    );
    return {
      messages: page.map((row) => toMessage(row, attachments.get(row.id) ?? [])),
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
    const row = await db
      .updateTable("room_members")
      .set((eb) => ({
        read_seq: eb.case().when("read_seq", "<", target).then(target).else(eb.ref("read_seq")).end(),
      }))
      .where("room_id", "=", roomId)
      .where("user_id", "=", session.userId)
      .returning("read_seq")
      .executeTakeFirst();
    // The caller left between the check and the update.
    if (!row)
      throw new NatterError("FORBIDDEN", "Only a room member or higher may do this", { requiredRole: "member" });
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
      .where("room_members.user_id", "=", session.userId);
    if (cursor !== undefined) query = query.where("room_members.room_id", ">", decodeCursor("unread", cursor));
    const rows = await query
      .orderBy("room_members.room_id")
      .limit(limit + 1)
      .execute();
    const rooms = rows
      .slice(0, limit)
      .map((row) => ({ ...row, unreadCount: Number(row.unreadCount ?? 0), mentions: Number(row.mentions ?? 0) }));
    const last = rooms.at(-1);
    return { rooms, nextCursor: rows.length > limit && last ? encodeCursor("unread", last.roomId) : null };
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
    const attachments = await attachmentsOf(
      db,
      page.map((row) => row.id),
    );
    const last = page.at(-1);
    return {
      messages: page.map((row) => toMessage(row, attachments.get(row.id) ?? [])),
      nextCursor: rows.length > limit && last ? encodeCursor("mentions", last.id) : null,
    };
  }
}

/** A write that made a message (or a new version of one), with its log entry. */
function changed(message: Message, event: RoomEvent): RoomWrite<Message> {
  return { events: [event], result: message };
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

function messageInRoom(db: Kysely<Database>, roomId: string, messageId: string): Promise<MessageRow | undefined> {
  return db
    .selectFrom("messages")
    .selectAll()
    .where("id", "=", messageId)
    .where("room_id", "=", roomId)
    .executeTakeFirst();
}

async function findMessage(db: Kysely<Database>, roomId: string, messageId: string): Promise<MessageRow> {
  const row = await messageInRoom(db, roomId, messageId);
  if (!row) throw new NatterError("MESSAGE_NOT_FOUND", "No such message in this room");
  return row;
}

/** A reply must answer a message of the same room; anything else is a bad input. */
async function requireReplyTarget(db: Kysely<Database>, roomId: string, replyToId: string): Promise<void> {
  if (!(await messageInRoom(db, roomId, replyToId))) {
    throw new NatterError("VALIDATION_FAILED", "Input validation failed", {
      issues: [{ path: "replyToId", message: "must be a message of this room" }],
    });
  }
}

async function withAttachments(db: Kysely<Database>, row: MessageRow): Promise<Message> {
  return toMessage(row, (await attachmentsOf(db, [row.id])).get(row.id) ?? []);
}

/** A message as the API shows it, from its row and its attachments. */
export function toMessage(row: MessageRow, attachments: Attachment[]): Message {
  return {
    id: row.id,
    roomId: row.room_id,
    seq: row.seq,
    authorId: row.author_id,
    body: row.body,
    replyToId: row.reply_to_id,
    createdAt: row.created_at,
    editedAt: row.edited_at,
    deletedAt: row.deleted_at,
    attachments,
    mentions: JSON.parse(row.mentions) as Mention[],
    mentionsRoom: row.mentions_room === 1,
  };
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
