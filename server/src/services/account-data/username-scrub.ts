import type { Database } from "@natter/db";
import { type Kysely, sql, type Transaction } from "kysely";
import { keysetPages } from "./keyset-pages.js";

/** Rows read and rewritten at a time. */
const PAGE_SIZE = 500;

/** The username a deleted account goes by: its id, so it names nobody. */
export function placeholderUsername(userId: string): string {
  return `deleted-${userId}`;
}

/**
 * Replaces, in place, the username of every object of `value` that stands for the person
 * (`{ userId, username }` as in members and mentions, `{ id, username }` as in a reporter)
 * with their placeholder. Answers whether anything changed.
 */
export function renameIn(value: unknown, userId: string, placeholder: string): boolean {
  if (Array.isArray(value)) {
    let changed = false;
    for (const item of value) changed = renameIn(item, userId, placeholder) || changed;
    return changed;
  }
  if (value === null || typeof value !== "object") return false;
  const object = value as Record<string, unknown>;
  let changed = false;
  if (
    (object.userId === userId || object.id === userId) &&
    typeof object.username === "string" &&
    object.username !== placeholder
  ) {
    object.username = placeholder;
    changed = true;
  }
  for (const child of Object.values(object)) changed = renameIn(child, userId, placeholder) || changed;
  return changed;
}

/**
 * Takes a deleted person's old username out of what others keep: the stored room events
 * (`member.joined` and the other member events, others' messages' `mentions`), others'
 * messages' `mentions` column, and others' inbox entries (an author's name). Each table is
 * read once in keyset pages of the rows whose JSON holds the person's id (a scan: deletions
 * are rare), and only the rows that name them are rewritten, so that a second run changes
 * nothing and an interrupted one is finished by running it again.
 */
export async function scrubUsername(db: Kysely<Database>, userId: string): Promise<void> {
  const placeholder = placeholderUsername(userId);
  const pattern = `%${userId}%`;
  const scrub = <Row>(pages: AsyncGenerator<Row[]>, textOf: (row: Row) => string, update: Update<Row>) =>
    rewritePages(db, pages, textOf, update, userId, placeholder);
  await scrub(
    logPages(db, "room_events", "room_id", pattern),
    (row) => row.payload,
    (trx, row, payload) =>
      trx
        .updateTable("room_events")
        .set({ payload })
        .where("room_id", "=", row.owner)
        .where("seq", "=", row.seq)
        .execute(),
  );
  await scrub(
    keysetPages(
      (after, limit) =>
        db
          .selectFrom("messages")
          .select(["id", "mentions"])
          .where("mentions", "like", pattern)
          .$if(after !== null, (q) => q.where("id", ">", after as string))
          .orderBy("id")
          .limit(limit)
          .execute(),
      (row) => row.id,
      PAGE_SIZE,
    ),
    (row) => row.mentions,
    (trx, row, mentions) => trx.updateTable("messages").set({ mentions }).where("id", "=", row.id).execute(),
  );
  await scrub(
    logPages(db, "inbox_events", "user_id", pattern),
    (row) => row.payload,
    (trx, row, payload) =>
      trx
        .updateTable("inbox_events")
        .set({ payload })
        .where("user_id", "=", row.owner)
        .where("seq", "=", row.seq)
        .execute(),
  );
}

type Update<Row> = (trx: Transaction<Database>, row: Row, text: string) => Promise<unknown>;

/** A log's rows (keyed by owner and seq) whose payload matches `pattern`, in keyset pages. */
function logPages(
  db: Kysely<Database>,
  table: "room_events" | "inbox_events",
  ownerColumn: "room_id" | "user_id",
  pattern: string,
): AsyncGenerator<{ owner: string; seq: number; payload: string }[]> {
  return keysetPages(
    async (after, limit) => {
      const [owner, seq] = after === null ? [null, null] : (JSON.parse(after) as [string, number]);
      const query = sql<{ owner: string; seq: number; payload: string }>`
        select ${sql.ref(ownerColumn)} as owner, seq, payload from ${sql.table(table)}
        where payload like ${pattern}
        ${owner === null ? sql`` : sql`and (${sql.ref(ownerColumn)} > ${owner} or (${sql.ref(ownerColumn)} = ${owner} and seq > ${seq}))`}
        order by ${sql.ref(ownerColumn)}, seq limit ${limit}`;
      return (await query.execute(db)).rows;
    },
    (row) => JSON.stringify([row.owner, Number(row.seq)]),
    PAGE_SIZE,
  );
}

/** Rewrites, a page per transaction, the rows whose JSON names the person. */
async function rewritePages<Row>(
  db: Kysely<Database>,
  pages: AsyncGenerator<Row[]>,
  textOf: (row: Row) => string,
  update: Update<Row>,
  userId: string,
  placeholder: string,
): Promise<void> {
  for await (const rows of pages) {
    const changed = rewritten(rows, textOf, userId, placeholder);
    if (changed.length === 0) continue;
    await db.transaction().execute(async (trx) => {
      for (const { row, text } of changed) await update(trx, row, text);
    });
  }
}

/** The rows whose JSON named the person, with their new text. */
function rewritten<Row>(
  rows: Row[],
  textOf: (row: Row) => string,
  userId: string,
  placeholder: string,
): { row: Row; text: string }[] {
  return rows.flatMap((row) => {
    const value = JSON.parse(textOf(row)) as unknown;
    return renameIn(value, userId, placeholder) ? [{ row, text: JSON.stringify(value) }] : [];
  });
}
