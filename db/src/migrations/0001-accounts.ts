import type { Kysely, Migration } from "kysely";
import type { ColumnTypes } from "./column-types.js";

/** Users and their sessions. */
export const accounts = (t: ColumnTypes): Migration => ({
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable("users")
      .addColumn("id", t.text, (c) => c.primaryKey())
      .addColumn("username", t.text, (c) => c.notNull())
      .addColumn("username_key", t.text, (c) => c.notNull().unique())
      .addColumn("password_hash", t.text, (c) => c.notNull())
      .addColumn("created_at", t.text, (c) => c.notNull())
      .execute();
    await db.schema
      .createTable("sessions")
      .addColumn("id", t.text, (c) => c.primaryKey())
      .addColumn("user_id", t.text, (c) => c.notNull().references("users.id").onDelete("cascade"))
      .addColumn("token_hash", t.text, (c) => c.notNull().unique())
      .addColumn("created_at", t.text, (c) => c.notNull())
      .addColumn("last_used_at", t.text, (c) => c.notNull())
      .addColumn("idle_expires_at", t.text, (c) => c.notNull())
      .addColumn("absolute_expires_at", t.text, (c) => c.notNull())
      .execute();
    await db.schema.createIndex("sessions_user_id").on("sessions").column("user_id").execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable("sessions").execute();
    await db.schema.dropTable("users").execute();
  },
});
