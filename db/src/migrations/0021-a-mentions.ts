import type { Kysely, Migration } from "kysely";
import type { ColumnTypes } from "./column-types.js";

/** Mentions: resolved on the message, and a row per notified user for their mentions and unread counts. */
export const mentions = (t: ColumnTypes): Migration => ({
  async up(db: Kysely<unknown>) {
    await db.schema
      .alterTable("messages")
      .addColumn("mentions", t.text, (c) => c.notNull().defaultTo("[]"))
      .execute();
    await db.schema
      .alterTable("messages")
      .addColumn("mentions_room", t.integer, (c) => c.notNull().defaultTo(0))
      .execute();
    await db.schema
      .createTable("message_mentions")
      .addColumn("user_id", t.text, (c) => c.notNull().references("users.id").onDelete("cascade"))
      .addColumn("message_id", t.text, (c) => c.notNull().references("messages.id").onDelete("cascade"))
      .addColumn("room_id", t.text, (c) => c.notNull().references("rooms.id").onDelete("cascade"))
      .addColumn("seq", t.integer, (c) => c.notNull())
      .addPrimaryKeyConstraint("message_mentions_pk", ["user_id", "message_id"])
      .execute();
    // Unread mention counts: a user's mentions in one room after their read cursor.
    await db.schema
      .createIndex("message_mentions_by_room")
      .on("message_mentions")
      .columns(["user_id", "room_id", "seq"])
      .execute();
    // The cascade from a deleted message finds its rows.
    await db.schema.createIndex("message_mentions_by_message").on("message_mentions").column("message_id").execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable("message_mentions").execute();
    await db.schema.alterTable("messages").dropColumn("mentions_room").execute();
    await db.schema.alterTable("messages").dropColumn("mentions").execute();
  },
});
