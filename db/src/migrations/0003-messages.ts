import type { Kysely, Migration } from "kysely";

/** Messages, in the order of their room's log. */
export const messages: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable("messages")
      .addColumn("id", "text", (c) => c.primaryKey())
      .addColumn("room_id", "text", (c) => c.notNull().references("rooms.id").onDelete("cascade"))
      .addColumn("seq", "integer", (c) => c.notNull())
      .addColumn("author_id", "text", (c) => c.notNull().references("users.id").onDelete("cascade"))
      .addColumn("body", "text")
      .addColumn("reply_to_id", "text")
      .addColumn("client_message_id", "text")
      .addColumn("created_at", "text", (c) => c.notNull())
      .addColumn("edited_at", "text")
      .addColumn("deleted_at", "text")
      .execute();
    await db.schema.createIndex("messages_by_seq").unique().on("messages").columns(["room_id", "seq"]).execute();
    // A retried send finds the original here; NULLs (no client id) never collide.
    await db.schema
      .createIndex("messages_by_client_id")
      .unique()
      .on("messages")
      .columns(["room_id", "author_id", "client_message_id"])
      .execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable("messages").execute();
  },
};
