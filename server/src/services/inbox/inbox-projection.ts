import type { Database } from "@natter/db";
import { INBOX_PREVIEW_MAX, type Message, type RoomEvent } from "@natter/shared";
import type { Transaction } from "kysely";
import { appendInboxEntries, type InboxEntry, type InboxEntryInput } from "../../events/inbox-log.js";
import { fillUnreadCounts } from "./unread-changes.js";

/**
 * Entries a change wrote before its own events could tell whom they concern: a room's
 * deletion, whose members the cascade takes before the writer projects its events. Keyed by
 * the change's transaction, which the writer holds until it projects.
 */
const removalsOf = new WeakMap<Transaction<Database>, InboxEntryInput[]>();

/**
 * Notes, before a room is deleted with its members, that each of them loses it: their inbox
 * entries are written with the rest of the change's (`projectInbox`).
 */
export async function noteRoomDeletion(trx: Transaction<Database>, roomId: string): Promise<void> {
  const members = await trx.selectFrom("room_members").select("user_id").where("room_id", "=", roomId).execute();
  const list = removalsOf.get(trx) ?? [];
  for (const { user_id } of members) {
    list.push({ userId: user_id, input: { type: "room.removed", roomId, reason: "deleted" } });
  }
  removalsOf.set(trx, list);
}

/** Forgets what a change that failed noted (`noteRoomDeletion`): the next change of its transaction does not inherit it. */
export function discardInboxNotes(trx: Transaction<Database>): void {
  removalsOf.delete(trx);
}

/**
 * What a change already read of its room in this transaction (a send's members, and its
 * author's username from their session), so that the projection does not read it again.
 */
export interface KnownRoomMembers {
  roomId: string;
  /** Every member of the room (by user id), as of this transaction. */
  members: ReadonlyMap<string, unknown>;
  /** Usernames by user id (whatever the change knows). */
  usernames: ReadonlyMap<string, string>;
}

/**
 * Writes, inside the change's transaction, what its room events mean to each user's inbox:
 * message summaries (and mentions) to the room's members, new counts to those who had a
 * deleted message unread, rooms gained, changed and lost, direct rooms opened. Answers the entries, to
 * publish after the commit.
 */
export async function projectInbox(
  trx: Transaction<Database>,
  events: readonly RoomEvent[],
  now: number,
  known?: KnownRoomMembers,
): Promise<InboxEntry[]> {
  const inputs: InboxEntryInput[] = removalsOf.get(trx) ?? [];
  removalsOf.delete(trx);
  for (const event of events) inputs.push(...(await inputsOf(trx, event, known)));
  return appendInboxEntries(trx, inputs, now, fillUnreadCounts);
}

async function inputsOf(
  trx: Transaction<Database>,
  event: RoomEvent,
  known: KnownRoomMembers | undefined,
): Promise<InboxEntryInput[]> {
  const { roomId } = event;
  switch (event.type) {
    case "message.created":
      return messageInputs(trx, event.message, known?.roomId === roomId ? known : undefined);
    case "message.deleted":
      return deletionInputs(trx, roomId, event.messageId);
    case "room.created":
      // A direct room's two members are told once its second one is in (`member.joined`).
      if (event.room.kind === "direct" || event.actorId === null) return [];
      return [{ userId: event.actorId, input: { type: "room.added", roomId } }];
    case "member.joined": {
      const { userId } = event.member;
      const room = await trx.selectFrom("rooms").select("kind").where("id", "=", roomId).executeTakeFirst();
      if (room?.kind !== "direct") return [{ userId, input: { type: "room.added", roomId } }];
      if (event.actorId === null) return [];
      const opener = event.actorId;
      return [
        { userId: opener, input: { type: "dm.created", roomId, userId } },
        { userId, input: { type: "dm.created", roomId, userId: opener } },
      ];
    }
    case "room.updated": {
      const { name, open, slowModeSeconds } = event;
      const input = { type: "room.updated" as const, roomId, name, open, slowModeSeconds };
      return (await memberIdsOf(trx, roomId)).map((userId) => ({ userId, input }));
    }
    case "member.left":
      return [{ userId: event.userId, input: { type: "room.removed", roomId, reason: "left" } }];
    case "member.kicked":
      return [{ userId: event.userId, input: { type: "room.removed", roomId, reason: "kicked" } }];
    default:
      return [];
  }
}

/**
 * A message's summary for every member of its room (a thread reply only when it was also
 * sent to the room), and a `mention` for each user it notifies: those its mentions resolved
 * to, less its author and whoever blocked them (the rows `resolveMentions` stored).
 */
async function messageInputs(
  trx: Transaction<Database>,
  message: Message,
  known: KnownRoomMembers | undefined,
): Promise<InboxEntryInput[]> {
  if (message.threadId !== null) {
    const row = await trx.selectFrom("messages").select("also_in_room").where("id", "=", message.id).executeTakeFirst();
    if (row?.also_in_room !== 1) return [];
  }
  const memberIds = known ? known.members.keys() : await memberIdsOf(trx, message.roomId);
  // A message that mentions nobody has no rows to read (`mentionsAnything`), the common case.
  const notified =
    message.mentions.length > 0 || message.mentionsRoom
      ? await trx.selectFrom("message_mentions").select("user_id").where("message_id", "=", message.id).execute()
      : [];
  const mentioned = new Set(notified.map((row) => row.user_id));
  const username =
    known?.usernames.get(message.authorId) ??
    (await trx.selectFrom("users").select("username").where("id", "=", message.authorId).executeTakeFirst())
      ?.username ??
    "";
  const { roomId, id: messageId, authorId } = message;
  const author = { userId: authorId, username };
  const preview = previewOf(message.body ?? "");
  // One input object per kind, shared by the members it is the same for: the log encodes each once.
  const unmentionedSummary = { type: "message.created" as const, roomId, messageId, author, preview, mentioned: false };
  const mentionedSummary = { type: "message.created" as const, roomId, messageId, author, preview, mentioned: true };
  const mention = { type: "mention" as const, roomId, messageId, author, preview, mentioned: true };
  const inputs: InboxEntryInput[] = [];
  for (const userId of memberIds) {
    inputs.push({ userId, input: mentioned.has(userId) ? mentionedSummary : unmentionedSummary });
  }
  for (const userId of mentioned) inputs.push({ userId, input: mention });
  return inputs;
}

/**
 * A room's counts (`unread.changed`, filled in once the inbox heads are taken) for each member
 * who had the deleted message unread: after their read cursor, not theirs, shown in the room.
 */
async function deletionInputs(
  trx: Transaction<Database>,
  roomId: string,
  messageId: string,
): Promise<InboxEntryInput[]> {
  const message = await trx
    .selectFrom("messages")
    .select(["seq", "author_id", "thread_id", "also_in_room"])
    .where("id", "=", messageId)
    .executeTakeFirst();
  if (!message || (message.thread_id !== null && message.also_in_room !== 1)) return [];
  const readers = await trx
    .selectFrom("room_members")
    .select("user_id")
    .where("room_id", "=", roomId)
    .where("read_seq", "<", message.seq)
    .where("user_id", "<>", message.author_id)
    .execute();
  return readers.map(({ user_id }) => ({
    userId: user_id,
    input: { type: "unread.changed", roomId, unread: 0, mentions: 0 },
  }));
}

/** The ids of the room's members, as of the change's transaction. */
async function memberIdsOf(trx: Transaction<Database>, roomId: string): Promise<string[]> {
  const rows = await trx.selectFrom("room_members").select("user_id").where("room_id", "=", roomId).execute();
  return rows.map((row) => row.user_id);
}

/** The body's first characters, whole code points, at most `INBOX_PREVIEW_MAX` UTF-16 units. */
function previewOf(body: string): string {
  // Every code point of a body this short fits.
  if (body.length <= INBOX_PREVIEW_MAX) return body;
  let preview = "";
  for (const char of body) {
    if (preview.length + char.length > INBOX_PREVIEW_MAX) break;
    preview += char;
  }
  return preview;
}
