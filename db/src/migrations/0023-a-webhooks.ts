import type { Kysely, Migration } from "kysely";
import type { ColumnTypes } from "./column-types.js";

/**
 * Outgoing webhooks: the endpoints, and the outbox of deliveries to them. A delivery row is
 * written in the same transaction as the event it carries, so no event is lost between a
 * commit and its sending; a node claims due rows for a lease while it sends them.
 */
export const webhooks = (t: ColumnTypes): Migration => ({
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable("webhooks")
      .addColumn("id", t.text, (c) => c.primaryKey())
      .addColumn("url", t.text, (c) => c.notNull())
      .addColumn("events", t.text, (c) => c.notNull())
      .addColumn("room_id", t.text, (c) => c.references("rooms.id").onDelete("cascade"))
      .addColumn("created_by", t.text, (c) => c.references("users.id").onDelete("set null"))
      .addColumn("secret", t.text, (c) => c.notNull())
      .addColumn("previous_secret", t.text)
      .addColumn("previous_secret_expires_at", t.text)
      .addColumn("enabled", t.integer, (c) => c.notNull())
      .addColumn("disabled_reason", t.text)
      .addColumn("failing_since", t.text)
      .addColumn("created_at", t.text, (c) => c.notNull())
      .addColumn("updated_at", t.text, (c) => c.notNull())
      .execute();
    await db.schema.createIndex("webhooks_by_room").on("webhooks").columns(["room_id", "enabled"]).execute();
    await db.schema
      .createTable("webhook_deliveries")
      .addColumn("id", t.text, (c) => c.primaryKey())
      .addColumn("webhook_id", t.text, (c) => c.notNull().references("webhooks.id").onDelete("cascade"))
      .addColumn("room_id", t.text)
      .addColumn("seq", t.integer)
      .addColumn("event_type", t.text, (c) => c.notNull())
      .addColumn("payload", t.text, (c) => c.notNull())
      .addColumn("status", t.text, (c) => c.notNull())
      .addColumn("attempts", t.integer, (c) => c.notNull())
      .addColumn("next_attempt_at", t.text, (c) => c.notNull())
      .addColumn("claimed_by", t.text)
      .addColumn("claimed_until", t.text)
      .addColumn("last_attempt_at", t.text)
      .addColumn("last_status_code", t.integer)
      .addColumn("last_duration_ms", t.integer)
      .addColumn("last_error", t.text)
      .addColumn("last_response", t.text)
      .addColumn("created_at", t.text, (c) => c.notNull())
      .addColumn("finished_at", t.text)
      .execute();
    // What is due, oldest first; and the earlier deliveries of one room to one endpoint.
    await db.schema
      .createIndex("webhook_deliveries_due")
      .on("webhook_deliveries")
      .columns(["status", "next_attempt_at"])
      .execute();
    await db.schema
      .createIndex("webhook_deliveries_in_order")
      .on("webhook_deliveries")
      .columns(["webhook_id", "room_id", "status", "seq"])
      .execute();
    await db.schema
      .createIndex("webhook_deliveries_by_webhook")
      .on("webhook_deliveries")
      .columns(["webhook_id", "id"])
      .execute();
    await db.schema
      .createIndex("webhook_deliveries_by_finished")
      .on("webhook_deliveries")
      .columns(["finished_at"])
      .execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable("webhook_deliveries").execute();
    await db.schema.dropTable("webhooks").execute();
  },
});
