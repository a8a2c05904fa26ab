import { type Kysely, type Migration, sql } from "kysely";

/**
 * Three indexes of `messages` keep only the rows they are read for: a thread's replies
 * (`thread_id`), pinned messages (`pinned_at`) and sends with a `clientMessageId`. A plain
 * message has none of the three, yet every send wrote an entry (and on SQLite a page) into
 * each: about 3.6 of the ~22 pages a send wrote to the WAL. Every query of these indexes
 * compares the column (`thread_id = ?`, `pinned_at is not null`, `client_message_id = ?`),
 * which both engines see implies the condition, so they read the same entries as before.
 * A unique index never held two rows with a NULL `client_message_id` apart anyway, so the
 * retry rule (one message per room, author and client id) is the same.
 */
const PARTIAL = [
  { name: "messages_by_thread", columns: ["thread_id", "seq"], column: "thread_id", unique: false },
  { name: "messages_by_pin", columns: ["room_id", "pinned_at"], column: "pinned_at", unique: false },
  {
    name: "messages_by_client_id",
    columns: ["room_id", "author_id", "client_message_id"],
    column: "client_message_id",
    unique: true,
  },
] as const;

async function createIndex(db: Kysely<unknown>, index: (typeof PARTIAL)[number], partial: boolean): Promise<void> {
  const create = db.schema
    .createIndex(index.name)
    .on("messages")
    .columns([...index.columns]);
  const built = index.unique ? create.unique() : create;
  await (partial ? built.where(sql.ref(index.column), "is not", null) : built).execute();
}

export const sendPartialIndexes: Migration = {
  async up(db: Kysely<unknown>) {
    for (const index of PARTIAL) {
      await db.schema.dropIndex(index.name).execute();
      await createIndex(db, index, true);
    }
  },
  async down(db: Kysely<unknown>) {
    for (const index of PARTIAL) {
      await db.schema.dropIndex(index.name).execute();
      await createIndex(db, index, false);
    }
  },
};
