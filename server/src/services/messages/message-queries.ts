import type { Database } from "@natter/db";
import type {
  MentionsInput,
  MentionsPage,
  Message,
  MessagePage,
  MessagePageInput,
  ThreadPageInput,
} from "@natter/shared";
import type { Kysely } from "kysely";
import type { AuthSession } from "../../auth/auth-session.js";
import { readableRoom } from "../access/room-access.js";
import { mentionsPageQuery } from "../mentions/mentions-page-query.js";
import { findMessage, messageSeenBy, messagesSeenBy, messagesWithOwnReactions } from "../message-rows/message-rows.js";
import { decodeCursor, encodeCursor } from "../paging/page-cursor.js";
import { type MessagePageCursor, type MessagePageScope, messagePageQuery } from "./message-page-query.js";

/**
 * A page of a room's history, tombstones included; anyone may read an open room. Thread
 * replies are left out unless sent `alsoInRoom`, or asked for with `threads: "include"`.
 */
export async function listMessages(
  db: Kysely<Database>,
  session: AuthSession | null,
  roomId: string,
  input: Omit<MessagePageInput, "roomId">,
): Promise<MessagePage> {
  await readableRoom(db, roomId, session);
  return messagePage(db, session, roomId, input.threads === "include" ? "all" : "room", input);
}

/** One message of a room, as history shows it; anyone may read an open room. */
export async function getMessage(
  db: Kysely<Database>,
  session: AuthSession | null,
  roomId: string,
  messageId: string,
): Promise<Message> {
  await readableRoom(db, roomId, session);
  return messageSeenBy(db, await findMessage(db, roomId, messageId), session?.userId ?? null);
}

/**
 * A page of the replies in the thread under `messageId`, as history pages (same cursors).
 * A message without replies has an empty thread.
 */
export async function threadMessages(
  db: Kysely<Database>,
  session: AuthSession | null,
  roomId: string,
  messageId: string,
  input: Omit<ThreadPageInput, "roomId" | "messageId">,
): Promise<MessagePage> {
  await readableRoom(db, roomId, session);
  await findMessage(db, roomId, messageId);
  return messagePage(db, session, roomId, { threadId: messageId }, input);
}

async function messagePage(
  db: Kysely<Database>,
  session: AuthSession | null,
  roomId: string,
  scope: MessagePageScope,
  input: { before?: number | undefined; after?: number | undefined; limit: number },
): Promise<MessagePage> {
  const cursor: MessagePageCursor =
    input.after !== undefined
      ? { after: input.after }
      : input.before !== undefined
        ? { before: input.before }
        : { newest: true };
  // One row more than asked tells whether another page follows.
  const rows = await messagePageQuery(db, roomId, cursor, input.limit + 1, scope, session?.userId ?? null).execute();
  return {
    messages: await messagesWithOwnReactions(db, rows.slice(0, input.limit)),
    hasMore: rows.length > input.limit,
  };
}

/**
 * The messages that mention the caller (by name or `@room`) in rooms they can still read,
 * newest first; deleted ones drop out.
 */
export async function mentionsPage(
  db: Kysely<Database>,
  session: AuthSession,
  { limit, cursor }: MentionsInput,
): Promise<MentionsPage> {
  const before = cursor === undefined ? undefined : decodeCursor("mentions", cursor);
  const rows = await mentionsPageQuery(db, session.userId, before, limit + 1).execute();
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return {
    messages: await messagesSeenBy(db, page, session.userId),
    nextCursor: rows.length > limit && last ? encodeCursor("mentions", last.id) : null,
  };
}
