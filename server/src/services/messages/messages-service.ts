import type { Database } from "@natter/db";
import {
  LIMITS,
  type MentionsInput,
  type MentionsPage,
  type Message,
  type MessagePage,
  type MessagePageInput,
  mentionsIn,
  NatterError,
  type SendMessageInput,
  type ThreadPageInput,
  type UnreadInput,
  type UnreadPage,
} from "@natter/shared";
import type { Kysely } from "kysely";
import type { AuthSession } from "../../auth/auth-session.js";
import type { Clock } from "../../clock/clock.js";
import type { InboxEntry } from "../../events/inbox-log.js";
import type { LogBus } from "../../events/room-event-bus.js";
import type { BlobStore } from "../../uploads/blob-store.js";
import type { ReadReceipts } from "../conversations/read-receipts.js";
import type { TextFilter } from "../moderation/blocked-terms-service.js";
import { RoomStateCache } from "../room-writes/room-state-cache.js";
import { type BulkChangeOf, bulkItem, type RoomWriter } from "../room-writes/room-writer.js";
import { deleteMessage, editMessage, sendMessage } from "./message-commands.js";
import { getMessage, listMessages, mentionsPage, threadMessages } from "./message-queries.js";
import { deleteMessagesCreatedBefore, type ExpiringMessages } from "./message-retention.js";
import { markRead, unreadPage } from "./read-cursors.js";
import { type PlainSend, sendMany } from "./send-many.js";

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

/**
 * Sending, editing, deleting and reading messages, and read cursors. Every change is an
 * entry of the room's log, written through the room writer (serialised with the room's other
 * changes) and published after commit. The work itself lives beside this file: changes
 * (`message-commands.ts`), reads (`message-queries.ts`), read cursors (`read-cursors.ts`) and
 * retention (`message-retention.ts`).
 */
export class MessagesService implements ExpiringMessages {
  /** What sends keep of their rooms, used only at the version each send reads (`RoomStateCache`). */
  private readonly rooms = new RoomStateCache();
  /** Plain sends of one room that wait together, stored together (one bulk change of the room writer). */
  private readonly sendMany: BulkChangeOf<PlainSend, Message> = (trx, roomId, sends, now) =>
    sendMany(trx, this.rooms, roomId, sends, now);

  constructor(private readonly deps: MessagesServiceDeps) {}

  /**
   * Posts a message as a member. With a `clientMessageId`, a retry by the same author in
   * the same room answers the original and creates nothing, however many retries race: they
   * run one after the other, and each later one finds the original.
   */
  async send(session: AuthSession, roomId: string, input: Omit<SendMessageInput, "roomId">): Promise<Message> {
    if (input.alsoInRoom && (input.threadId ?? null) === null) {
      throw new NatterError("VALIDATION_FAILED", "Input validation failed", {
        issues: [{ path: "alsoInRoom", message: "needs a threadId" }],
      });
    }
    // Before the room's turn: matching needs no lock, and a refused body holds up nobody.
    const body = this.deps.textFilter
      ? await this.deps.textFilter.filter(input.body, LIMITS.messageBodyMax)
      : input.body;
    const clientMessageId = input.clientMessageId ?? null;
    // Without a client id the send's first statement takes the room's turn, and its lock.
    const sent = await this.deps.writer.write(
      roomId,
      (trx, now) => sendMessage(trx, this.rooms, session, roomId, input, body, now),
      {
        locksRoomFirst: clientMessageId === null,
        bulk: isPlain(input, body) ? bulkItem(this.sendMany, { session, body, clientMessageId }) : undefined,
      },
    );
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
    const body = this.deps.textFilter ? await this.deps.textFilter.filter(text, LIMITS.messageBodyMax) : text;
    return this.deps.writer.write(roomId, (trx, now) =>
      editMessage(trx, this.deps.blobs, session, roomId, messageId, body, attachmentIds, now),
    );
  }

  /**
   * Turns a message into a tombstone that keeps its place; its author, a room admin or a
   * server admin (in any room, open or closed) may. The body is also scrubbed from the
   * stored events that carried it, so no replay shows it again. Deleting a tombstone answers
   * it unchanged. Deleting someone else's message is moderation: the activity log keeps it.
   */
  delete(session: AuthSession, roomId: string, messageId: string): Promise<Message> {
    return this.deps.writer.write(roomId, (trx, now) =>
      deleteMessage(trx, this.deps.blobs, session, roomId, messageId, now),
    );
  }

  /** See `deleteMessagesCreatedBefore`: retention's batch. */
  deleteCreatedBefore(cutoff: number, limit: number): Promise<number> {
    return deleteMessagesCreatedBefore(this.deps, cutoff, limit);
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
    return listMessages(this.deps.db, session, roomId, input);
  }

  /** One message of a room, as history shows it; anyone may read an open room. */
  async get(session: AuthSession | null, roomId: string, messageId: string): Promise<Message> {
    return getMessage(this.deps.db, session, roomId, messageId);
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
    return threadMessages(this.deps.db, session, roomId, messageId, input);
  }

  /**
   * Moves the caller's read cursor forward to `seq` (never back; a seq past the room's
   * newest counts as the newest) and answers where it now stands.
   */
  async markRead(session: AuthSession, roomId: string, seq: number): Promise<number> {
    return markRead(this.deps, session, roomId, seq);
  }

  /**
   * The caller's unread state in each room they belong to: messages after their cursor,
   * written by others and not deleted, counted up to `LIMITS.unreadCountMax`.
   */
  async unread(session: AuthSession, { limit, cursor }: UnreadInput): Promise<UnreadPage> {
    return unreadPage(this.deps.db, session, { limit, cursor });
  }

  /**
   * The messages that mention the caller (by name or `@room`) in rooms they can still read,
   * newest first; deleted ones drop out.
   */
  async mentions(session: AuthSession, { limit, cursor }: MentionsInput): Promise<MentionsPage> {
    return mentionsPage(this.deps.db, session, { limit, cursor });
  }
}

/** Whether a send is plain (`PlainSend`): no reply, thread, attachments, nor anything its body mentions. */
function isPlain(input: Omit<SendMessageInput, "roomId">, body: string): boolean {
  if ((input.replyToId ?? null) !== null || (input.threadId ?? null) !== null) return false;
  if ((input.attachmentIds?.length ?? 0) > 0) return false;
  const found = mentionsIn(body);
  return found.usernames.length === 0 && !found.room;
}
