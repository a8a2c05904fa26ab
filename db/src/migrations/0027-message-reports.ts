import type { Kysely, Migration } from "kysely";
import type { ColumnTypes } from "./column-types.js";

/**
 * Reports of messages: a reader flags a message once (spam, abuse, other), and a room's
 * admins or the server's admins resolve it with an action. A report goes with its message
 * and its room; a reporter's account may go while the report stays (reporter_id set null).
 */
export const messageReports = (t: ColumnTypes): Migration => ({
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable("message_reports")
      .addColumn("id", t.text, (c) => c.primaryKey())
      .addColumn("room_id", t.text, (c) => c.notNull().references("rooms.id").onDelete("cascade"))
      .addColumn("message_id", t.text, (c) => c.notNull().references("messages.id").onDelete("cascade"))
      .addColumn("reporter_id", t.text, (c) => c.references("users.id").onDelete("set null"))
      .addColumn("reason", t.text, (c) => c.notNull())
      .addColumn("note", t.text)
      // "open" or "resolved".
      .addColumn("status", t.text, (c) => c.notNull())
      // What the resolver did: dismiss, delete-message, mute-author, ban-author.
      .addColumn("action", t.text)
      .addColumn("resolved_by", t.text, (c) => c.references("users.id").onDelete("set null"))
      .addColumn("resolved_at", t.text)
      .addColumn("created_at", t.text, (c) => c.notNull())
      .execute();
    // Once per user per message: the second report is a 409.
    await db.schema
      .createIndex("message_reports_once")
      .on("message_reports")
      .columns(["message_id", "reporter_id"])
      .unique()
      .execute();
    // A room's queue and the server's queue, each by status, newest first.
    await db.schema
      .createIndex("message_reports_by_room")
      .on("message_reports")
      .columns(["room_id", "status", "id"])
      .execute();
    await db.schema.createIndex("message_reports_by_status").on("message_reports").columns(["status", "id"]).execute();
    // A deleted account's reports lose their reporter (set null) through this index.
    await db.schema.createIndex("message_reports_by_reporter").on("message_reports").column("reporter_id").execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable("message_reports").execute();
  },
});
