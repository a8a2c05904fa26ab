import type { Kysely, Migration } from "kysely";
import type { ColumnTypes } from "./column-types.js";

/**
 * Profiles, server admins, bans, what a session was opened from, and the counters and
 * indexes that keep the admin statistics and activity filters cheap at any size.
 */
export const people = (t: ColumnTypes): Migration => ({
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable("users").addColumn("display_name", t.text).execute();
    // The display name lower-cased, for prefix search through an index.
    await db.schema.alterTable("users").addColumn("display_name_key", t.text).execute();
    await db.schema.alterTable("users").addColumn("bio", t.text).execute();
    await db.schema
      .alterTable("users")
      .addColumn("is_admin", t.integer, (c) => c.notNull().defaultTo(0))
      .execute();
    await db.schema.alterTable("users").addColumn("banned_at", t.text).execute();
    await db.schema.alterTable("users").addColumn("last_active_at", t.text).execute();
    await db.schema.createIndex("users_by_display_name").on("users").columns(["display_name_key", "id"]).execute();
    await db.schema.createIndex("users_by_last_active").on("users").column("last_active_at").execute();

    await db.schema.alterTable("sessions").addColumn("user_agent", t.text).execute();
    await db.schema.createIndex("sessions_by_idle_expiry").on("sessions").column("idle_expires_at").execute();

    // Totals and hourly buckets bumped in the writing transaction: statistics read a few rows.
    await db.schema
      .createTable("stat_counters")
      .addColumn("name", t.text, (c) => c.primaryKey())
      .addColumn("value", "bigint", (c) => c.notNull())
      .execute();

    for (const column of ["actor_id", "room_id", "action"] as const) {
      await db.schema
        .createIndex(`activity_log_by_${column}`)
        .on("activity_log")
        .columns([column, "created_at", "id"])
        .execute();
    }
  },
  async down(db: Kysely<unknown>) {
    for (const column of ["actor_id", "room_id", "action"]) {
      await db.schema.dropIndex(`activity_log_by_${column}`).execute();
    }
    await db.schema.dropTable("stat_counters").execute();
    await db.schema.dropIndex("sessions_by_idle_expiry").execute();
    await db.schema.alterTable("sessions").dropColumn("user_agent").execute();
    await db.schema.dropIndex("users_by_last_active").execute();
    await db.schema.dropIndex("users_by_display_name").execute();
    for (const column of ["last_active_at", "banned_at", "is_admin", "bio", "display_name_key", "display_name"]) {
      await db.schema.alterTable("users").dropColumn(column).execute();
    }
  },
});
