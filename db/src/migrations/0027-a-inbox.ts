import type { Kysely, Migration } from "kysely";
import type { ColumnTypes } from "./column-types.js";

/**
 * The inbox: one ordered log per user (`users.events`, `GET /me/events`). `inbox_heads` holds
 * each user's newest seq (a row from the user's first entry on), `inbox_events` the entries,
 * written in the same transaction as the room change they tell of, so that a resume reads
 * exactly what was committed. `inbox_stream_tickets` open the stream from browsers, as
 * `event_stream_tickets` open a room's.
 */
export const inbox = (t: ColumnTypes): Migration => ({
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable("inbox_heads")
      .addColumn("user_id", t.text, (c) => c.primaryKey().references("users.id").onDelete("cascade"))
      .addColumn("last_seq", t.integer, (c) => c.notNull())
      .execute();
    await db.schema
      .createTable("inbox_events")
      .addColumn("user_id", t.text, (c) => c.notNull().references("users.id").onDelete("cascade"))
      .addColumn("seq", t.integer, (c) => c.notNull())
      .addColumn("type", t.text, (c) => c.notNull())
      .addColumn("payload", t.text, (c) => c.notNull())
      .addColumn("created_at", t.text, (c) => c.notNull())
      .addPrimaryKeyConstraint("inbox_events_pk", ["user_id", "seq"])
      .execute();
    // Pruning past the resume window reads the oldest entries first.
    await db.schema.createIndex("inbox_events_by_age").on("inbox_events").column("created_at").execute();
    await db.schema
      .createTable("inbox_stream_tickets")
      .addColumn("ticket_hash", t.text, (c) => c.primaryKey())
      .addColumn("session_id", t.text, (c) => c.notNull().references("sessions.id").onDelete("cascade"))
      .addColumn("expires_at", t.text, (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex("inbox_stream_tickets_by_expiry")
      .on("inbox_stream_tickets")
      .column("expires_at")
      .execute();
    await db.schema
      .createIndex("inbox_stream_tickets_by_session")
      .on("inbox_stream_tickets")
      .column("session_id")
      .execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable("inbox_stream_tickets").execute();
    await db.schema.dropTable("inbox_events").execute();
    await db.schema.dropTable("inbox_heads").execute();
  },
});
