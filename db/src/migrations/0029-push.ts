import type { Kysely, Migration } from "kysely";
import type { ColumnTypes } from "./column-types.js";

/**
 * Web Push: the subscriptions browsers hand in, the outbox of notifications to them (written
 * in the transaction of the message that causes them, sent by a worker that claims rows for a
 * lease, as webhook deliveries are), and the server's own keys (the VAPID key pair generated
 * once when none is configured).
 */
export const push = (t: ColumnTypes): Migration => ({
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable("server_keys")
      .addColumn("name", t.text, (c) => c.primaryKey())
      .addColumn("value", t.text, (c) => c.notNull())
      .addColumn("created_at", t.text, (c) => c.notNull())
      .execute();
    await db.schema
      .createTable("push_subscriptions")
      .addColumn("id", t.text, (c) => c.primaryKey())
      .addColumn("user_id", t.text, (c) => c.notNull().references("users.id").onDelete("cascade"))
      .addColumn("endpoint", t.text, (c) => c.notNull().unique())
      .addColumn("p256dh", t.text, (c) => c.notNull())
      .addColumn("auth", t.text, (c) => c.notNull())
      .addColumn("created_at", t.text, (c) => c.notNull())
      .addColumn("updated_at", t.text, (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex("push_subscriptions_by_user")
      .on("push_subscriptions")
      .columns(["user_id", "id"])
      .execute();
    await db.schema
      .createTable("push_deliveries")
      .addColumn("id", t.text, (c) => c.primaryKey())
      .addColumn("subscription_id", t.text, (c) => c.notNull().references("push_subscriptions.id").onDelete("cascade"))
      .addColumn("user_id", t.text, (c) => c.notNull())
      .addColumn("room_id", t.text, (c) => c.notNull())
      .addColumn("message_id", t.text, (c) => c.notNull())
      .addColumn("payload", t.text, (c) => c.notNull())
      .addColumn("status", t.text, (c) => c.notNull())
      .addColumn("attempts", t.integer, (c) => c.notNull())
      .addColumn("next_attempt_at", t.text, (c) => c.notNull())
      .addColumn("claimed_by", t.text)
      .addColumn("claimed_until", t.text)
      .addColumn("last_status_code", t.integer)
      .addColumn("last_error", t.text)
      .addColumn("created_at", t.text, (c) => c.notNull())
      .addColumn("finished_at", t.text)
      .execute();
    await db.schema
      .createIndex("push_deliveries_due")
      .on("push_deliveries")
      .columns(["status", "next_attempt_at"])
      .execute();
    // One subscription's notifications go in order: the earlier ones still pending.
    await db.schema
      .createIndex("push_deliveries_in_order")
      .on("push_deliveries")
      .columns(["subscription_id", "status", "id"])
      .execute();
    await db.schema.createIndex("push_deliveries_by_finished").on("push_deliveries").columns(["finished_at"]).execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable("push_deliveries").execute();
    await db.schema.dropTable("push_subscriptions").execute();
    await db.schema.dropTable("server_keys").execute();
  },
});
