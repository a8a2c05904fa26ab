import { type Database, PREPARED_ROW_COUNTS, preparedPerRowCount } from "@natter/db";
import { type InboxEvent, type InboxEventInput, inboxEventSchema } from "@natter/shared";
import { type Kysely, sql, type Transaction } from "kysely";
import { toTimestamp } from "../clock/clock.js";
import { encodingOf, rememberEncoding, SharedEncoding } from "./encoded-events.js";
import type { TailedLog } from "./room-log-tail.js";

/**
 * One entry of one user's inbox log, as the bus and the streams carry it: whose it is, its
 * place, and the event the user is shown (one object, framed once however many of the
 * user's streams carry it).
 */
export interface InboxEntry {
  userId: string;
  seq: number;
  event: InboxEvent;
  /**
   * When set, `JSON.stringify(event)` is `shared.json(seq)`: the part of its JSON that the
   * other members' entries of the same message share (`encodeInboxEntries`, or as received
   * from another node), from whose bytes its frames are built instead of encoding it again.
   */
  shared?: SharedEncoding;
}

/** An entry for a user, before their log gives it its place. */
export interface InboxEntryInput {
  userId: string;
  input: InboxEventInput;
}

/** Rows one insert statement writes at most (5 values each, far below either engine's limit). */
const ROWS_PER_INSERT = 500;

/**
 * Gives each input the next seq of its user's inbox and stores it, inside the caller's
 * transaction, so that the entries commit with the change they tell of. Users' heads are
 * taken in user id order, in one statement, so that two transactions over the same users
 * meet in the same order (no deadlock). `settle`, when given, completes the entries' events
 * once the heads are taken and before they are stored (counts that must agree with the
 * entries' order). Publish the answer after the commit.
 */
export async function appendInboxEntries(
  trx: Transaction<Database>,
  inputs: readonly InboxEntryInput[],
  now: number,
  settle?: (trx: Transaction<Database>, entries: readonly InboxEntry[]) => Promise<void>,
): Promise<InboxEntry[]> {
  if (inputs.length === 0) return [];
  const byUser = new Map<string, InboxEventInput[]>();
  for (const { userId, input } of inputs) {
    const list = byUser.get(userId);
    if (list) list.push(input);
    else byUser.set(userId, [input]);
  }
  const userIds = [...byUser.keys()].sort();
  // Loops, not `flatMap`, for the prepared statements' arguments (see `preparedInsert`).
  const counts: unknown[] = [];
  for (const userId of userIds) counts.push(userId, byUser.get(userId)?.length ?? 0);
  const heads =
    userIds.length <= PREPARED_ROW_COUNTS
      ? (await raiseHeads(userIds.length)(trx, ...counts)).rows
      : await raiseHeadsQuery(
          trx,
          userIds.map((userId) => ({ user_id: userId, last_seq: byUser.get(userId)?.length ?? 0 })),
        ).execute();
  const at = toTimestamp(now);
  const entries: InboxEntry[] = [];
  /** Each entry's input, by index: entries of one input share its encoding. */
  const sources: InboxEventInput[] = [];
  for (const head of heads) {
    const list = byUser.get(head.user_id) ?? [];
    let seq = Number(head.last_seq) - list.length;
    for (const input of list) {
      seq += 1;
      // Not `{ ...input, seq, at }`: inputs of every kind pass here, and V8's spread of one
      // (its inline cache megamorphic) missed the cache for each property added after it.
      const event = Object.assign({}, input, { seq, at }) as InboxEvent;
      entries.push({ userId: head.user_id, seq, event });
      sources.push(input);
    }
  }
  await settle?.(trx, entries);
  const payloads = encodeInboxEntries(entries, sources, at);
  if (entries.length <= PREPARED_ROW_COUNTS) {
    const values: unknown[] = [];
    for (const [i, { userId, seq, event }] of entries.entries()) values.push(userId, seq, event.type, payloads[i]);
    await insertEntries(entries.length)(trx, at, ...values);
    return entries;
  }
  for (let start = 0; start < entries.length; start += ROWS_PER_INSERT) {
    await trx
      .insertInto("inbox_events")
      .values(
        entries.slice(start, start + ROWS_PER_INSERT).map(({ userId, seq, event }, i) => ({
          user_id: userId,
          seq,
          type: event.type,
          payload: payloads[start + i] as string,
          created_at: at,
        })),
      )
      .execute();
  }
  return entries;
}

/**
 * Each entry's JSON, `JSON.stringify(entry.event)` (`sources[i]`: the input entry `i` was made
 * from, `{ ...input, seq, at }`), kept for the live path. The projection hands one input
 * object to every member an event concerns alike (a message's summary differs between
 * members only by `mentioned`), so the input is encoded once and each entry's JSON is that
 * text with its own `seq` and `at` spliced in before the closing brace, where the spread put
 * them; the entry is given that shared part (`InboxEntry.shared`), so that each member's
 * frame copies its bytes around their seq instead of encoding their entry again. An
 * `unread.changed` entry's counts were filled in by `settle`, after its input was made: it is
 * encoded as it stands (and remembered, `rememberEncoding`).
 */
export function encodeInboxEntries(
  entries: readonly InboxEntry[],
  sources: readonly InboxEventInput[],
  at: string,
): string[] {
  const close = `,"at":${JSON.stringify(at)}}`;
  /** Each input's JSON around the seq. */
  const shared = new Map<InboxEventInput, SharedEncoding>();
  return entries.map((entry, i) => {
    const { seq, event } = entry;
    if (event.type === "unread.changed") {
      const json = JSON.stringify(event);
      rememberEncoding(event, json);
      return json;
    }
    const input = sources[i] as InboxEventInput;
    let encoding = shared.get(input);
    if (encoding === undefined) {
      encoding = new SharedEncoding(`${JSON.stringify(input).slice(0, -1)},"seq":`, close);
      shared.set(input, encoding);
    }
    entry.shared = encoding;
    return encoding.json(seq);
  });
}

/** Raises each user's head by their number of new entries; answers the heads. */
function raiseHeadsQuery(db: Kysely<Database>, rows: { user_id: string; last_seq: number }[]) {
  return db
    .insertInto("inbox_heads")
    .values(rows)
    .onConflict((oc) =>
      oc.column("user_id").doUpdateSet((eb) => ({
        last_seq: eb("inbox_heads.last_seq", "+", eb.ref("excluded.last_seq")),
      })),
    )
    .returning(["user_id", "last_seq"]);
}

/** `raiseHeadsQuery` for a number of users, prepared: its arguments are each user's id and count, in turn. */
const raiseHeads = preparedPerRowCount(0, 2, (db, rows, args) =>
  raiseHeadsQuery(
    db,
    Array.from({ length: rows }, (_, row) => ({
      user_id: args[2 * row] as string,
      last_seq: args[2 * row + 1] as number,
    })),
  ),
);

/** Stores entries written at one instant: its arguments are that instant, then each entry's user, seq, type and payload. */
const insertEntries = preparedPerRowCount(1, 4, (db, rows, [at, ...args]) =>
  db.insertInto("inbox_events").values(
    Array.from({ length: rows }, (_, row) => ({
      user_id: args[4 * row] as string,
      seq: args[4 * row + 1] as number,
      type: args[4 * row + 2] as string,
      payload: args[4 * row + 3] as string,
      created_at: at as string,
    })),
  ),
);

/** The user's inbox entries after `afterSeq`, oldest first, at most `limit`. */
export async function readInboxEntries(
  db: Kysely<Database>,
  userId: string,
  afterSeq: number,
  limit: number,
): Promise<InboxEntry[]> {
  const rows = await db
    .selectFrom("inbox_events")
    .select(["seq", "payload"])
    .where("user_id", "=", userId)
    .where("seq", ">", afterSeq)
    .orderBy("seq")
    .limit(limit)
    .execute();
  return rows.map((row) => ({
    userId,
    seq: Number(row.seq),
    event: inboxEventSchema.parse(JSON.parse(row.payload)),
  }));
}

/** Where a user's inbox log stands: its newest seq, and the oldest it still holds (0: none). */
export async function inboxBounds(
  db: Kysely<Database>,
  userId: string,
): Promise<{ newest: number; oldestHeld: number }> {
  const head = await db.selectFrom("inbox_heads").select("last_seq").where("user_id", "=", userId).executeTakeFirst();
  const oldest = await db
    .selectFrom("inbox_events")
    .select("seq")
    .where("user_id", "=", userId)
    .orderBy("seq")
    .limit(1)
    .executeTakeFirst();
  return { newest: Number(head?.last_seq ?? 0), oldestHeld: Number(oldest?.seq ?? 0) };
}

/** Users' inboxes, as a tail reads them: a user without entries yet stands at 0 (never vanishes). */
export function inboxLogOf(db: Kysely<Database>): TailedLog<InboxEntry> {
  return {
    async newest(userIds) {
      const rows = await db
        .selectFrom("inbox_heads")
        .select(["user_id", "last_seq"])
        .where("user_id", "in", userIds)
        .execute();
      const newest = new Map(userIds.map((userId) => [userId, 0]));
      for (const row of rows) newest.set(row.user_id, Number(row.last_seq));
      return newest;
    },
    read: (userId, afterSeq, limit) => readInboxEntries(db, userId, afterSeq, limit),
    keyOf: (entry) => entry.userId,
    ends: () => false,
    vanished: () => undefined,
    encode: inboxEntryJson,
    received: rememberReceivedEntry,
  };
}

/**
 * `JSON.stringify(entry)` around its event's JSON as the log wrote it (`encodeInboxEntries`):
 * a remote bus sends every member's entry of a message, and need not encode each event again.
 */
export function inboxEntryJson({ userId, seq, event, shared }: InboxEntry): string {
  return `{"userId":${JSON.stringify(userId)},"seq":${seq},"event":${shared ? shared.json(seq) : encodingOf(event)}}`;
}

/**
 * Remembers the event's JSON within `json`, the entry's (`inboxEntryJson`, as another node
 * sent it): this node frames the entry for its one user from it, without encoding it again.
 */
export function rememberReceivedEntry(entry: InboxEntry, json: string): void {
  const opening = `{"userId":${JSON.stringify(entry.userId)},"seq":${entry.seq},"event":`;
  if (json.startsWith(opening) && json.endsWith("}")) rememberEncoding(entry.event, json.slice(opening.length, -1));
}

/**
 * Deletes inbox entries older than `before` (the resume window), at most `limit` of them;
 * answers how many went. A user's head stays, so seqs never repeat.
 */
export async function pruneInboxEntries(db: Kysely<Database>, before: string, limit: number): Promise<number> {
  const doomed = await db
    .selectFrom("inbox_events")
    .select(["user_id", "seq"])
    .where("created_at", "<", before)
    .orderBy("created_at")
    .limit(limit)
    .execute();
  let deleted = 0;
  for (const row of doomed) {
    const result = await db
      .deleteFrom("inbox_events")
      .where("user_id", "=", row.user_id)
      .where("seq", "=", row.seq)
      .executeTakeFirst();
    deleted += Number(result.numDeletedRows);
  }
  return deleted;
}

/** The user's newest inbox seq, as a column of a larger query (null before their first entry). */
export function inboxSeqOf(userId: string) {
  return sql<number | null>`(select last_seq from inbox_heads where inbox_heads.user_id = ${userId})`;
}
