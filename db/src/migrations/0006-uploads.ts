import type { Kysely, Migration } from "kysely";
import type { ColumnTypes } from "./column-types.js";

/**
 * Uploaded images. Bytes are stored once per SHA-256 (`blobs`, counted by the uploads that
 * use them); each upload is its own row with its own owner, attached to at most one message
 * or serving as its owner's avatar.
 */
export const uploads = (t: ColumnTypes): Migration => ({
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable("blobs")
      .addColumn("sha256", t.text, (c) => c.primaryKey())
      .addColumn("size", t.integer, (c) => c.notNull())
      .addColumn("ref_count", t.integer, (c) => c.notNull())
      .execute();
    await db.schema
      .createTable("uploads")
      .addColumn("id", t.text, (c) => c.primaryKey())
      .addColumn("owner_id", t.text, (c) => c.notNull().references("users.id").onDelete("cascade"))
      .addColumn("sha256", t.text, (c) => c.notNull().references("blobs.sha256"))
      .addColumn("content_type", t.text, (c) => c.notNull())
      .addColumn("size", t.integer, (c) => c.notNull())
      .addColumn("width", t.integer, (c) => c.notNull())
      .addColumn("height", t.integer, (c) => c.notNull())
      .addColumn("filename", t.text)
      .addColumn("created_at", t.text, (c) => c.notNull())
      // A deleted room takes its messages with it; their uploads then fall to the sweeper.
      .addColumn("message_id", t.text, (c) => c.references("messages.id").onDelete("set null"))
      .addColumn("room_id", t.text, (c) => c.references("rooms.id").onDelete("set null"))
      .addColumn("position", t.integer)
      .execute();
    await db.schema.createIndex("uploads_by_message").on("uploads").columns(["message_id", "position"]).execute();
    await db.schema.createIndex("uploads_by_created").on("uploads").columns(["created_at"]).execute();
    await db.schema.createIndex("uploads_by_sha256").on("uploads").columns(["sha256"]).execute();
    await db.schema.alterTable("users").addColumn("avatar_upload_id", t.text).execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.alterTable("users").dropColumn("avatar_upload_id").execute();
    await db.schema.dropTable("uploads").execute();
    await db.schema.dropTable("blobs").execute();
  },
});
