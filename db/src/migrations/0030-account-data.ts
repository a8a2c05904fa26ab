import type { Kysely, Migration } from "kysely";
import type { ColumnTypes } from "./column-types.js";

/**
 * A person's data (issue 24): what an export pages through by owner, and what an account
 * deletion leaves. `users.deleted_at` marks an account deleted (its row stays as the
 * "deleted user" its messages are authored by); `reserved_usernames` keeps a deleted
 * person's username (and its look-alikes) from being signed up until `reserved_until`.
 */
export const accountData = (t: ColumnTypes): Migration => ({
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable("users").addColumn("deleted_at", t.text).execute();
    await db.schema
      .createTable("reserved_usernames")
      .addColumn("username_key", t.text, (c) => c.primaryKey())
      .addColumn("username_skeleton", t.text, (c) => c.notNull())
      .addColumn("reserved_until", t.text, (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex("reserved_usernames_by_skeleton")
      .on("reserved_usernames")
      .columns(["username_skeleton"])
      .execute();
    // Keyset pages of one person's messages and uploads, for the export and the deletion.
    await db.schema.createIndex("messages_by_author").on("messages").columns(["author_id", "id"]).execute();
    await db.schema.createIndex("uploads_by_owner").on("uploads").columns(["owner_id", "id"]).execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropIndex("uploads_by_owner").execute();
    await db.schema.dropIndex("messages_by_author").execute();
    await db.schema.dropTable("reserved_usernames").execute();
    await db.schema.alterTable("users").dropColumn("deleted_at").execute();
  },
});
