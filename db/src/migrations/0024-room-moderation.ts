import type { Kysely, Migration } from "kysely";
import type { ColumnTypes } from "./column-types.js";

/**
 * Room moderation: slow mode (a room's minimum gap between one member's messages, and each
 * member's last send, kept on their member row so every node reads the same), and mutes
 * (a member who may read but not send, until a time or until lifted).
 */
export const roomModeration = (t: ColumnTypes): Migration => ({
  async up(db: Kysely<unknown>) {
    await db.schema
      .alterTable("rooms")
      .addColumn("slow_mode_seconds", t.integer, (c) => c.notNull().defaultTo(0))
      .execute();
    await db.schema.alterTable("room_members").addColumn("last_sent_at", t.text).execute();
    // A mute outlives the membership, so that leaving and joining again does not lift it.
    await db.schema
      .createTable("room_mutes")
      .addColumn("room_id", t.text, (c) => c.notNull().references("rooms.id").onDelete("cascade"))
      .addColumn("user_id", t.text, (c) => c.notNull().references("users.id").onDelete("cascade"))
      // Null: until lifted.
      .addColumn("until", t.text)
      .addColumn("reason", t.text)
      .addColumn("muted_by", t.text, (c) => c.references("users.id").onDelete("set null"))
      .addColumn("created_at", t.text, (c) => c.notNull())
      .addPrimaryKeyConstraint("room_mutes_pk", ["room_id", "user_id"])
      .execute();
    // A deleted user's mutes go with them.
    await db.schema.createIndex("room_mutes_by_user").on("room_mutes").column("user_id").execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable("room_mutes").execute();
    await db.schema.alterTable("room_members").dropColumn("last_sent_at").execute();
    await db.schema.alterTable("rooms").dropColumn("slow_mode_seconds").execute();
  },
});
