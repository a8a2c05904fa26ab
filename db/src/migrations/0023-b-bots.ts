import type { Kysely, Migration } from "kysely";
import type { ColumnTypes } from "./column-types.js";

/**
 * Bot accounts and their API keys, and incoming webhooks. A bot is a user row marked
 * `is_bot` whose password hash matches no password. A key is kept only as the SHA-256 of
 * its text (a key is 32 random bytes: a slow password hash would add nothing but latency
 * to every call); an incoming webhook's secret likewise.
 */
export const bots = (t: ColumnTypes): Migration => ({
  async up(db: Kysely<unknown>) {
    await db.schema
      .alterTable("users")
      .addColumn("is_bot", t.integer, (c) => c.notNull().defaultTo(0))
      .execute();
    await db.schema
      .createTable("api_keys")
      .addColumn("id", t.text, (c) => c.primaryKey())
      .addColumn("user_id", t.text, (c) => c.notNull().references("users.id").onDelete("cascade"))
      .addColumn("name", t.text, (c) => c.notNull())
      .addColumn("prefix", t.text, (c) => c.notNull())
      .addColumn("key_hash", t.text, (c) => c.notNull().unique())
      // A JSON array of scope names.
      .addColumn("scopes", t.text, (c) => c.notNull())
      .addColumn("created_by", t.text, (c) => c.references("users.id").onDelete("set null"))
      .addColumn("created_at", t.text, (c) => c.notNull())
      .addColumn("expires_at", t.text)
      .addColumn("last_used_at", t.text)
      .execute();
    await db.schema.createIndex("api_keys_by_user").on("api_keys").columns(["user_id", "id"]).execute();
    await db.schema
      .createTable("incoming_webhooks")
      .addColumn("id", t.text, (c) => c.primaryKey())
      .addColumn("room_id", t.text, (c) => c.notNull().references("rooms.id").onDelete("cascade"))
      .addColumn("name", t.text, (c) => c.notNull())
      .addColumn("bot_user_id", t.text, (c) => c.notNull().references("users.id").onDelete("cascade"))
      .addColumn("secret_hash", t.text, (c) => c.notNull())
      .addColumn("created_by", t.text, (c) => c.references("users.id").onDelete("set null"))
      .addColumn("created_at", t.text, (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex("incoming_webhooks_by_room")
      .on("incoming_webhooks")
      .columns(["room_id", "id"])
      .execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable("incoming_webhooks").execute();
    await db.schema.dropTable("api_keys").execute();
    await db.schema.alterTable("users").dropColumn("is_bot").execute();
  },
});
