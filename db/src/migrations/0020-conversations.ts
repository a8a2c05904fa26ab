import type { Kysely, Migration } from "kysely";
import type { ColumnType, ColumnTypes } from "./column-types.js";

/**
 * Reactions, threads, pins and read receipts. A message keeps its own summaries (reaction
 * counts in first-use order, its thread's reply count, last reply and recent repliers, its
 * pin), written in the room's serialised transactions, so a page of history reads them with
 * the rows and never counts anything.
 */
export const conversations = (t: ColumnTypes): Migration => ({
  async up(db: Kysely<unknown>) {
    // No foreign key on thread_id: retention may delete a root before its replies, which then keep their place.
    const columns: Array<[string, ColumnType, boolean]> = [
      ["thread_id", t.text, false],
      ["also_in_room", t.integer, true],
      ["thread_reply_count", t.integer, true],
      ["thread_last_reply_at", t.text, false],
      ["thread_participant_ids", t.text, false],
      ["reactions", t.text, false],
      ["pinned_at", t.text, false],
      ["pinned_by", t.text, false],
    ];
    for (const [name, type, counter] of columns) {
      await db.schema
        .alterTable("messages")
        .addColumn(name, type, (c) => (counter ? c.notNull().defaultTo(0) : c))
        .execute();
    }
    await db.schema.createIndex("messages_by_thread").on("messages").columns(["thread_id", "seq"]).execute();
    await db.schema.createIndex("messages_by_pin").on("messages").columns(["room_id", "pinned_at"]).execute();

    await db.schema
      .createTable("message_reactions")
      .addColumn("message_id", t.text, (c) => c.notNull().references("messages.id").onDelete("cascade"))
      .addColumn("emoji", t.text, (c) => c.notNull())
      .addColumn("user_id", t.text, (c) => c.notNull().references("users.id").onDelete("cascade"))
      .addColumn("room_id", t.text, (c) => c.notNull().references("rooms.id").onDelete("cascade"))
      .addColumn("created_at", t.text, (c) => c.notNull())
      .addPrimaryKeyConstraint("message_reactions_pk", ["message_id", "emoji", "user_id"])
      .execute();
    // Who reacted, in the order they did (keyset pages); and the caller's own reactions on a page.
    await db.schema
      .createIndex("message_reactions_by_time")
      .on("message_reactions")
      .columns(["message_id", "emoji", "created_at", "user_id"])
      .execute();
    await db.schema
      .createIndex("message_reactions_by_user")
      .on("message_reactions")
      .columns(["user_id", "message_id"])
      .execute();

    await db.schema
      .createTable("thread_participants")
      .addColumn("user_id", t.text, (c) => c.notNull().references("users.id").onDelete("cascade"))
      .addColumn("root_id", t.text, (c) => c.notNull().references("messages.id").onDelete("cascade"))
      .addColumn("room_id", t.text, (c) => c.notNull().references("rooms.id").onDelete("cascade"))
      .addPrimaryKeyConstraint("thread_participants_pk", ["user_id", "root_id"])
      .execute();

    await db.schema.alterTable("room_members").addColumn("read_at", t.text).execute();
    await db.schema
      .alterTable("users")
      .addColumn("share_read_receipts", t.integer, (c) => c.notNull().defaultTo(1))
      .execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.alterTable("users").dropColumn("share_read_receipts").execute();
    await db.schema.alterTable("room_members").dropColumn("read_at").execute();
    await db.schema.dropTable("thread_participants").execute();
    await db.schema.dropTable("message_reactions").execute();
    await db.schema.dropIndex("messages_by_pin").execute();
    await db.schema.dropIndex("messages_by_thread").execute();
    for (const name of [
      "pinned_by",
      "pinned_at",
      "reactions",
      "thread_participant_ids",
      "thread_last_reply_at",
      "thread_reply_count",
      "also_in_room",
      "thread_id",
    ]) {
      await db.schema.alterTable("messages").dropColumn(name).execute();
    }
  },
});
