import type { Kysely, Migration } from "kysely";
import type { ColumnTypes } from "./column-types.js";

/**
 * Tickets for `GET /rooms/{roomId}/events?ticket=…`: browsers' EventSource cannot send an
 * Authorization header, so a signed-in caller trades its token for a short-lived, single-use
 * ticket bound to its session and one room. Only the ticket's hash is stored, in the database
 * rather than in memory, so that any node of a cluster can redeem a ticket another issued.
 */
export const eventStreamTickets = (t: ColumnTypes): Migration => ({
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable("event_stream_tickets")
      .addColumn("ticket_hash", t.text, (c) => c.primaryKey())
      .addColumn("session_id", t.text, (c) => c.notNull().references("sessions.id").onDelete("cascade"))
      .addColumn("room_id", t.text, (c) => c.notNull().references("rooms.id").onDelete("cascade"))
      .addColumn("expires_at", t.text, (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex("event_stream_tickets_by_expiry")
      .on("event_stream_tickets")
      .column("expires_at")
      .execute();
    await db.schema
      .createIndex("event_stream_tickets_by_session")
      .on("event_stream_tickets")
      .column("session_id")
      .execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable("event_stream_tickets").execute();
  },
});
