import type { Database, MessagesTable } from "@natter/db";
import {
  type Attachment,
  type Mention,
  type Message,
  NatterError,
  type Reaction,
  type ThreadSummary,
} from "@natter/shared";
import { type Kysely, type Selectable, sql } from "kysely";
import { asciiEscaped } from "../../json/ascii-escape.js";
import { preEncodedToken } from "../../json/pre-encoded.js";
import { attachmentsOf } from "./attachments.js";

export type MessageRow = Selectable<MessagesTable>;

/** A message's reaction counts as stored on its row, in first-use order. */
export interface StoredReaction {
  emoji: string;
  count: number;
}

/**
 * The emoji one reader reacted with on one message: at most `reactionsPerMessageMax`, so a
 * list (a Set per message cost a history page more to build than its look-ups saved).
 */
type OwnEmoji = readonly string[];

/** The caller's own reactions: message id → the emoji they reacted with there; what `me` is read from. */
export type OwnReactions = ReadonlyMap<string, OwnEmoji>;

/** Nobody's reactions: for anonymous readers, and for what every watcher is sent alike. */
export const NO_OWN_REACTIONS: OwnReactions = new Map();

/** Whether `own` holds a reaction with `emoji` on the message. */
export function reactedWith(own: OwnReactions, messageId: string, emoji: string): boolean {
  return own.get(messageId)?.includes(emoji) ?? false;
}

/** `own` with the reaction with `emoji` on the message added (`mine`) or taken away. */
export function withOwnReaction(own: OwnReactions, messageId: string, emoji: string, mine: boolean): OwnReactions {
  const others = (own.get(messageId) ?? []).filter((each) => each !== emoji);
  return new Map(own).set(messageId, mine ? [...others, emoji] : others);
}

export function parseReactions(stored: string | null): StoredReaction[] {
  return stored === null ? [] : (JSON.parse(stored) as StoredReaction[]);
}

/** How a reaction stored by `storedReactions` ends; rows written before hold `{emoji, count}` only. */
const STORED_ME = ',"me":false}';
/** How the whole text `storedReactions` writes ends: what tells it from a row written before. */
const STORED_END = `${STORED_ME}]`;

/**
 * What `messages.reactions` stores for a message's reaction counts (null for none): the JSON of
 * its `reactions` as they look to someone who has not reacted (`me` false), in ASCII (emoji
 * escaped). A page then writes it into its answer as it is (`json/pre-encoded.ts`), `me` set by
 * replacing the text of the reader's own few, instead of parsing it into objects to encode them
 * again, and the answer stays a one-byte string. Rows written before (`[{emoji, count}]`, in
 * UTF-8) are read by parsing them, as they were, until their next reaction rewrites them.
 */
export function storedReactions(reactions: readonly StoredReaction[]): string | null {
  if (reactions.length === 0) return null;
  return asciiEscaped(JSON.stringify(reactions.map(({ emoji, count }) => ({ emoji, count, me: false }))));
}

/** Where a reaction with the emoji starts in stored text, by emoji; bounded, cleared when full. */
const entryStarts = new Map<string, string>();

function entryStart(emoji: string): string {
  let start = entryStarts.get(emoji);
  if (start === undefined) {
    if (entryStarts.size >= 1024) entryStarts.clear();
    // Copied into a one-byte string: `asciiEscaped` answers a two-byte one for an emoji (what
    // `replace` makes of a two-byte subject), and V8 searched the one-byte stored text for a
    // two-byte pattern by its slow path.
    start = Buffer.from(`{"emoji":${asciiEscaped(JSON.stringify(emoji))},"count":`, "latin1").toString("latin1");
    entryStarts.set(emoji, start);
  }
  return start;
}

/** `stored` (written by `storedReactions`) with `me` true on the reader's own reactions `mine`. */
function reactionsText(stored: string, mine: OwnEmoji | undefined): string {
  let text = stored;
  if (mine === undefined) return text;
  for (const emoji of mine) {
    // An emoji's text holds no quote or brace, so the first `me` after its start is its own.
    const at = text.indexOf(entryStart(emoji));
    if (at === -1) continue;
    const me = text.indexOf(STORED_ME, at);
    text = `${text.slice(0, me)},"me":true}${text.slice(me + STORED_ME.length)}`;
  }
  return text;
}

/**
 * A message's reactions as `userId`'s own reactions (`own`) make them look to them. History
 * pages call this for every reaction of every message, so the parsed objects become the
 * answer's (`me` set in place) instead of being copied, and `me` is a search of the reader's
 * own emoji on the message (a short list) rather than a key built per reaction.
 */
export function reactionsOf(messageId: string, stored: string | null, own: OwnReactions): Reaction[] {
  return stored === null ? [] : parsedReactions(stored, own.get(messageId));
}

/** Stored reactions (either form) parsed, `me` set from the reader's own emoji on the message. */
function parsedReactions(stored: string, mine: OwnEmoji | undefined): Reaction[] {
  const reactions = JSON.parse(stored) as Reaction[];
  for (const reaction of reactions) reaction.me = mine?.includes(reaction.emoji) ?? false;
  return reactions;
}

type ConversationColumns = Pick<
  MessageRow,
  "thread_reply_count" | "thread_last_reply_at" | "thread_participant_ids" | "reactions" | "pinned_at" | "pinned_by"
> & { id: string };

/** A thread root's summary; null for a message nobody has replied to. */
export function threadOf(
  row: Omit<ConversationColumns, "reactions" | "pinned_at" | "pinned_by">,
): ThreadSummary | null {
  if (row.thread_last_reply_at === null) return null;
  return {
    replyCount: Number(row.thread_reply_count),
    lastReplyAt: row.thread_last_reply_at,
    participantIds: row.thread_participant_ids === null ? [] : idsOf(row.thread_participant_ids),
  };
}

/**
 * A JSON array of ids as `JSON.stringify` writes them (`thread_participant_ids`), split on the
 * text between its strings instead of parsed: a history page reads one per thread root, and
 * `JSON.parse` of so short a text cost about twice as much. An id holds no quote or backslash
 * (a text that holds a backslash, an escape, is parsed), so `","` is only ever between two.
 */
function idsOf(json: string): string[] {
  if (json.length <= 2 || json.includes("\\")) return JSON.parse(json) as string[];
  const ids = json.slice(2, -2);
  return ids.includes('","') ? ids.split('","') : [ids];
}

/** What a message shows of its reactions, thread and pin as of now. */
export function conversationOf(
  row: ConversationColumns,
  own: OwnReactions,
): Pick<Message, "reactions" | "thread" | "pinnedAt" | "pinnedBy"> {
  return {
    reactions: reactionsOf(row.id, row.reactions, own),
    thread: threadOf(row),
    pinnedAt: row.pinned_at,
    pinnedBy: row.pinned_by,
  };
}

export function toMessage(row: MessageRow, attachments: Attachment[], own: OwnReactions = NO_OWN_REACTIONS): Message {
  return messageOf(row, attachments, own.get(row.id));
}

/** `toMessage` with the reader's own emoji on this message (`mine`) at hand. */
function messageOf(row: MessageRow, attachments: Attachment[], mine: OwnEmoji | undefined): Message {
  const stored = row.reactions;
  if (stored?.endsWith(STORED_END)) return withStoredReactions(row, attachments, stored, mine);
  // One object literal: a message built in steps (fields added after it) took `JSON.stringify` of a page 40-85% longer.
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
    threadId: row.thread_id,
    alsoInRoom: row.also_in_room === 1,
    reactions: stored === null ? [] : parsedReactions(stored, mine),
    thread: threadOf(row),
    pinnedAt: row.pinned_at,
    pinnedBy: row.pinned_by,
  };
}

/**
 * Where a message with stored reactions keeps them: a symbol, so no answer, `Object.keys` or
 * `structuredClone` sees it. Set in the message's literal, hence enumerable (a spread copies it,
 * vitest's equality compares it): defining it apart, not enumerable, cost a page of 50 ~10-20 µs.
 */
const STORED_STATE = Symbol("stored reactions");

/** A message's stored reactions text, the reader's own emoji there, and the parsed reactions once read. */
interface StoredState {
  stored: string;
  mine: OwnEmoji | undefined;
  parsed: Reaction[] | undefined;
}

type WithStoredState = Message & { [STORED_STATE]: StoredState };

/**
 * `reactions` of every message with stored reactions: one getter and setter for all of them,
 * their state under `STORED_STATE`, so that they share one hidden class. A getter made per
 * message (a closure) gave each its own, and turned it into a dictionary: building and encoding
 * a page of them cost twice as much. Parsed only when read; an answer's encoding takes the
 * stored text instead (`me` set in it), unless the parsed reactions were handed out already,
 * which their holder may have changed.
 */
const STORED_REACTIONS: PropertyDescriptor = {
  enumerable: true,
  configurable: true,
  get(this: WithStoredState): Reaction[] {
    const state = this[STORED_STATE];
    if (state.parsed === undefined) {
      const token = preEncodedToken(() => reactionsText(state.stored, state.mine));
      if (token !== undefined) return token as unknown as Reaction[];
      state.parsed = parsedReactions(state.stored, state.mine);
    }
    return state.parsed;
  },
  set(this: WithStoredState, value: Reaction[]) {
    this[STORED_STATE].parsed = value;
  },
};

/**
 * A message whose reactions are stored as its answer's text (`storedReactions`). Built in the
 * same steps for every such message, so all of them share one hidden class: the fields before
 * `reactions` and its state (`STORED_STATE`) as one literal, then `reactions` (the shared accessor, added last: replacing a
 * field with an accessor would turn the object into a dictionary), then the rest, in the
 * order of a plain message's fields. Its literal repeats `toMessage`'s first fields on purpose:
 * neither can be built from the other without fields added after a literal or a spread (a
 * spread of the first fields and then the rest took a page of 50 ~100× as long to build and ~7×
 * as long to encode in a microbenchmark, load ~15);
 * `message-rows.test.ts` holds the two to the same fields in the same order.
 */
function withStoredReactions(
  row: MessageRow,
  attachments: Attachment[],
  stored: string,
  mine: OwnEmoji | undefined,
): Message {
  const message = {
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
    threadId: row.thread_id,
    alsoInRoom: row.also_in_room === 1,
    [STORED_STATE]: { stored, mine, parsed: undefined } satisfies StoredState,
  } as WithStoredState;
  Object.defineProperty(message, "reactions", STORED_REACTIONS);
  message.thread = threadOf(row);
  message.pinnedAt = row.pinned_at;
  message.pinnedBy = row.pinned_by;
  return message;
}

/** What separates the emoji of `ownReactionsColumn`: neither an emoji nor a shortcode holds it. */
const OWN_SEPARATOR = "\u001f";

/**
 * A column of a messages query: the emoji `readerId` reacted with on the message, joined by
 * `OWN_SEPARATOR` (null for none, and for an anonymous reader), read by `messagesWithOwnReactions`. A page reads them with
 * its rows, in its one statement, instead of a second statement over the page's ids; a message
 * that has no reactions at all (`reactions` null) is not looked up. `string_agg` is
 * PostgreSQL's and SQLite's (3.44 and later) alike.
 */
export function ownReactionsColumn(readerId: string | null) {
  if (readerId === null) return sql<string | null>`null`.as("own_reactions");
  return sql<string | null>`case when messages.reactions is null then null else (
    select string_agg(own.emoji, ${OWN_SEPARATOR}) from message_reactions own
    where own.user_id = ${readerId} and own.message_id = messages.id) end`.as("own_reactions");
}

/** The emoji of an `ownReactionsColumn` value; one (the most) without a split. */
function ownEmoji(column: string | null): OwnEmoji | undefined {
  if (column === null) return undefined;
  return column.includes(OWN_SEPARATOR) ? column.split(OWN_SEPARATOR) : [column];
}

/** A message row read with `ownReactionsColumn`. */
export type MessageRowWithOwn = MessageRow & { own_reactions: string | null };

/** Messages of rows read with `ownReactionsColumn`, with their attachments, as their reader sees them. */
export async function messagesWithOwnReactions(
  db: Kysely<Database>,
  rows: readonly MessageRowWithOwn[],
): Promise<Message[]> {
  const attachments = await attachmentsOf(
    db,
    rows.map((row) => row.id),
  );
  return rows.map((row) => messageOf(row, attachments.get(row.id) ?? [], ownEmoji(row.own_reactions)));
}

/** `userId`'s reactions on any of `messageIds`; none for an anonymous reader. */
export async function ownReactions(
  db: Kysely<Database>,
  userId: string | null,
  messageIds: readonly string[],
): Promise<OwnReactions> {
  if (userId === null || messageIds.length === 0) return NO_OWN_REACTIONS;
  const rows = await db
    .selectFrom("message_reactions")
    .select(["message_id", "emoji"])
    .where("user_id", "=", userId)
    .where("message_id", "in", messageIds)
    .execute();
  const own = new Map<string, string[]>();
  for (const row of rows) {
    const emoji = own.get(row.message_id);
    if (emoji) emoji.push(row.emoji);
    else own.set(row.message_id, [row.emoji]);
  }
  return own;
}

export function messageInRoom(
  db: Kysely<Database>,
  roomId: string,
  messageId: string,
): Promise<MessageRow | undefined> {
  return db
    .selectFrom("messages")
    .selectAll()
    .where("id", "=", messageId)
    .where("room_id", "=", roomId)
    .executeTakeFirst();
}

export async function findMessage(db: Kysely<Database>, roomId: string, messageId: string): Promise<MessageRow> {
  const row = await messageInRoom(db, roomId, messageId);
  if (!row) throw new NatterError("MESSAGE_NOT_FOUND", "No such message in this room");
  return row;
}

/** Messages with their attachments, their reactions as `userId` (null: anonymous) sees them. */
export async function messagesSeenBy(
  db: Kysely<Database>,
  rows: readonly MessageRow[],
  userId: string | null,
): Promise<Message[]> {
  const ids = rows.map((row) => row.id);
  const [attachments, own] = await Promise.all([attachmentsOf(db, ids), ownReactions(db, userId, ids)]);
  return rows.map((row) => toMessage(row, attachments.get(row.id) ?? [], own));
}

/** A message with its attachments, its reactions as `userId` (null: anonymous) sees them. */
export async function messageSeenBy(db: Kysely<Database>, row: MessageRow, userId: string | null): Promise<Message> {
  const [message] = await messagesSeenBy(db, [row], userId);
  if (!message) throw new Error("messageSeenBy: no message made of the row");
  return message;
}
