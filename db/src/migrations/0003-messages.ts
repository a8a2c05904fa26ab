import type { Kysely, Migration } from "kysely";
import type { ColumnTypes } from "./column-types.js";

/** Messages, in the order of their room's log. */
export const messages = (t: ColumnTypes): Migration => ({
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable("messages")
      .addColumn("id", t.text, (c) => c.primaryKey())
      .addColumn("room_id", t.text, (c) => c.notNull().references("rooms.id").onDelete("cascade"))
      .addColumn("seq", t.integer, (c) => c.notNull())
      .addColumn("author_id", t.text, (c) => c.notNull().references("users.id").onDelete("cascade"))
      .addColumn("body", t.text)
      .addColumn("reply_to_id", t.text)
      .addColumn("client_message_id", t.text)
      .addColumn("created_at", t.text, (c) => c.notNull())
      .addColumn("edited_at", t.text)
      .addColumn("deleted_at", t.text)
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
});
