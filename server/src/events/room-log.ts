import type { Database } from "@natter/db";
import { type RoomEvent, type RoomEventInput, roomEventSchema } from "@natter/shared";
import type { Kysely, Transaction } from "kysely";
import { toTimestamp } from "../services/clock.js";

/**
 * Gives an event the room's next `seq` and stores it, inside the caller's transaction, so
 * the change and its log entry commit together or not at all. Publish the returned event
 * on the bus after the transaction commits.
 */
export async function appendRoomEvent(
  trx: Transaction<Database>,
  roomId: string,
  input: RoomEventInput,
  now: number,
): Promise<RoomEvent> {
  const { last_seq: seq } = await trx
    .updateTable("rooms")
    .set((eb) => ({ last_seq: eb("last_seq", "+", 1) }))
    .where("id", "=", roomId)
    .returning("last_seq")
    .executeTakeFirstOrThrow();
  const event = { ...input, roomId, seq, at: toTimestamp(now) } as RoomEvent;
  await trx
    .insertInto("room_events")
    .values({
      room_id: roomId,
      seq,
      type: event.type,
      actor_id: event.actorId,
      payload: JSON.stringify(event),
      created_at: event.at,
    })
    .execute();
  return event;
}

/** The room's events after `afterSeq`, oldest first, at most `limit`. */
export async function readRoomEvents(
  db: Kysely<Database>,
  roomId: string,
  afterSeq: number,
  limit: number,
): Promise<RoomEvent[]> {
  const rows = await db
    .selectFrom("room_events")
    .select("payload")
    .where("room_id", "=", roomId)
    .where("seq", ">", afterSeq)
    .orderBy("seq")
    .limit(limit)
    .execute();
  return rows.map((row) => roomEventSchema.parse(JSON.parse(row.payload)));
}
