import { type Kysely, type Migration, sql } from "kysely";
import type { ColumnTypes } from "./column-types.js";

/**
 * Links message events to their message, so that deleting a message can find and scrub
 * the body from every stored event that carried it without scanning the room's log.
 */
export const roomEventMessages = (t: ColumnTypes): Migration => ({
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable("room_events").addColumn("message_id", t.text).execute();
    await db.schema
      .createIndex("room_events_by_message")
      .on("room_events")
      .columns(["room_id", "message_id"])
      .where(sql.ref("message_id"), "is not", null)
      .execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropIndex("room_events_by_message").execute();
    await db.schema.alterTable("room_events").dropColumn("message_id").execute();
  },
});
