import type { Kysely, Migration } from "kysely";
import type { ColumnTypes } from "./column-types.js";

/**
 * Direct rooms (one per pair of users, whoever opens it and however many nodes race to),
 * blocks, and who may open a direct room with a user.
 */
export const directRooms = (t: ColumnTypes): Migration => ({
  async up(db: Kysely<unknown>) {
    await db.schema
      .alterTable("rooms")
      .addColumn("kind", t.text, (c) => c.notNull().defaultTo("room"))
      .execute();
    // The pair's two ids in order, for direct rooms only: the unique index makes two
    // concurrent openings of the same pair end with one room. NULLs never collide.
    await db.schema.alterTable("rooms").addColumn("direct_key", t.text).execute();
    await db.schema.createIndex("rooms_by_direct_key").unique().on("rooms").column("direct_key").execute();
    await db.schema
      .alterTable("users")
      .addColumn("direct_messages", t.text, (c) => c.notNull().defaultTo("everyone"))
      .execute();
    await db.schema
      .createTable("user_blocks")
      .addColumn("blocker_id", t.text, (c) => c.notNull().references("users.id").onDelete("cascade"))
      .addColumn("blocked_id", t.text, (c) => c.notNull().references("users.id").onDelete("cascade"))
      .addColumn("created_at", t.text, (c) => c.notNull())
      .addPrimaryKeyConstraint("user_blocks_pk", ["blocker_id", "blocked_id"])
      .execute();
    await db.schema
      .createIndex("user_blocks_by_blocked")
      .on("user_blocks")
      .columns(["blocked_id", "blocker_id"])
      .execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable("user_blocks").execute();
    await db.schema.alterTable("users").dropColumn("direct_messages").execute();
    await db.schema.dropIndex("rooms_by_direct_key").execute();
    await db.schema.alterTable("rooms").dropColumn("direct_key").execute();
    await db.schema.alterTable("rooms").dropColumn("kind").execute();
  },
});
