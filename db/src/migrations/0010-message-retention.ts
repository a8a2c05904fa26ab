import type { Kysely, Migration } from "kysely";

/** Lets the retention sweep find the oldest messages without scanning every room. */
export const messageRetention = (): Migration => ({
  async up(db: Kysely<unknown>) {
    await db.schema.createIndex("messages_by_created").on("messages").columns(["created_at"]).execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropIndex("messages_by_created").execute();
  },
});
