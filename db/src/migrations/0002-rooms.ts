import { type Kysely, type Migration, sql } from "kysely";
import type { ColumnTypes } from "./column-types.js";

/** Rooms, their members, each room's ordered event log, and the activity log. */
export const rooms = (t: ColumnTypes): Migration => ({
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable("rooms")
      .addColumn("id", t.text, (c) => c.primaryKey())
      .addColumn("name", t.text, (c) => c.notNull())
      .addColumn("is_open", t.integer, (c) => c.notNull())
      .addColumn("member_count", t.integer, (c) => c.notNull().defaultTo(0))
      .addColumn("last_seq", t.integer, (c) => c.notNull().defaultTo(0))
      .addColumn("created_at", t.text, (c) => c.notNull())
      .execute();
    await db.schema
      .createTable("room_members")
      .addColumn("room_id", t.text, (c) => c.notNull().references("rooms.id").onDelete("cascade"))
      .addColumn("user_id", t.text, (c) => c.notNull().references("users.id").onDelete("cascade"))
      .addColumn("role", t.text, (c) => c.notNull())
      .addColumn("joined_at", t.text, (c) => c.notNull())
      .addColumn("read_seq", t.integer, (c) => c.notNull().defaultTo(0))
      .addPrimaryKeyConstraint("room_members_pk", ["room_id", "user_id"])
      .execute();
    await db.schema
      .createIndex("room_members_by_joined")
      .on("room_members")
      .columns(["room_id", "joined_at", "user_id"])
      .execute();
    // At most one owner per room, and a direct way to find it.
    await db.schema
      .createIndex("room_members_one_owner")
      .unique()
      .on("room_members")
      .column("room_id")
      .where(sql.ref("role"), "=", "owner")
      .execute();
    await db.schema.createIndex("room_members_by_user").on("room_members").columns(["user_id", "room_id"]).execute();
    await db.schema
      .createTable("room_events")
      .addColumn("room_id", t.text, (c) => c.notNull().references("rooms.id").onDelete("cascade"))
      .addColumn("seq", t.integer, (c) => c.notNull())
      .addColumn("type", t.text, (c) => c.notNull())
      .addColumn("actor_id", t.text)
      .addColumn("payload", t.text, (c) => c.notNull())
      .addColumn("created_at", t.text, (c) => c.notNull())
      .addPrimaryKeyConstraint("room_events_pk", ["room_id", "seq"])
      .execute();
    // The activity log outlives the rooms it speaks of: no foreign keys.
    await db.schema
      .createTable("activity_log")
      .addColumn("id", t.text, (c) => c.primaryKey())
      .addColumn("room_id", t.text)
      .addColumn("actor_id", t.text)
      .addColumn("action", t.text, (c) => c.notNull())
      .addColumn("subject_id", t.text)
      .addColumn("detail", t.text)
      .addColumn("created_at", t.text, (c) => c.notNull())
      .execute();
    await db.schema.createIndex("activity_log_by_time").on("activity_log").columns(["created_at", "id"]).execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable("activity_log").execute();
    await db.schema.dropTable("room_events").execute();
    await db.schema.dropTable("room_members").execute();
    await db.schema.dropTable("rooms").execute();
  },
});
