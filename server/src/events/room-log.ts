import { type Database, preparedInsert, preparedQuery } from "@natter/db";
import { type Message, type RoomEvent, type RoomEventInput, roomEventSchema } from "@natter/shared";
import type { Kysely, Transaction } from "kysely";
import { toTimestamp } from "../clock/clock.js";
import { encodingOf, messageCreatedEncodingOf } from "./encoded-events.js";

/**
 * Gives an event the room's next `seq` and stores it, inside the caller's transaction, so
 * the change and its log entry commit together or not at all. Publish the returned event
 * on the bus after the transaction commits. Pass a function when the event must carry its
 * own `seq` (a message's seq is the seq of its creation event).
 *
 * The stored JSON is remembered as the event's encoding (`encodingOf`), which its watchers'
 * frames (and other nodes' copies) are made from: the event is encoded once, not again when
 * published. So the returned event must not change afterwards (a change makes a new object).
 */
export async function appendRoomEvent<I extends RoomEventInput>(
  trx: Transaction<Database>,
  roomId: string,
  input: I | ((seq: number) => I),
  now: number,
): Promise<I & Pick<RoomEvent, "roomId" | "seq" | "at">> {
  const [room] = (await takeNextSeq(trx, roomId)).rows;
  if (!room) throw new Error(`appendRoomEvent: no room ${roomId}`);
  return storeRoomEvent(trx, roomId, room.last_seq, input, now);
}

/**
 * Stores an event at a `seq` the caller already took (the room's `last_seq`, raised in this
 * transaction by the caller's own statement: a send's `RoomStateCache.takeTurn`), as
 * `appendRoomEvent` does after taking it.
 */
export async function storeRoomEvent<I extends RoomEventInput>(
  trx: Transaction<Database>,
  roomId: string,
  seq: number,
  input: I | ((seq: number) => I),
  now: number,
): Promise<I & Pick<RoomEvent, "roomId" | "seq" | "at">> {
  const fields = typeof input === "function" ? input(seq) : input;
  // Not a spread: events of every kind pass here (see `appendInboxEntries`).
  const event = Object.assign({}, fields, { roomId, seq, at: toTimestamp(now) });
  await insertRoomEvent(trx, roomId, seq, event.type, event.actorId, payloadOf(event), event.at, messageIdOf(event));
  return event;
}

/**
 * Stores events at seqs the caller already took, as `storeRoomEvent` does one, in one
 * statement: a bulk of sends' (`sendMany`), prepared for its number of events.
 */
export async function storeRoomEvents(
  trx: Transaction<Database>,
  events: readonly (RoomEventInput & Pick<RoomEvent, "roomId" | "seq" | "at">)[],
): Promise<void> {
  await insertRoomEvents(
    trx,
    events.map((event) => ({
      room_id: event.roomId,
      seq: event.seq,
      type: event.type,
      actor_id: event.actorId,
      payload: payloadOf(event),
      created_at: event.at,
      message_id: messageIdOf(event),
    })),
  );
}

/** A stored event's JSON, remembered as its encoding (and a new message's as the message's: see `messageCreatedEncodingOf`). */
function payloadOf(event: RoomEventInput & Pick<RoomEvent, "roomId" | "seq" | "at">): string {
  return event.type === "message.created" ? messageCreatedEncodingOf(event) : encodingOf(event);
}

/** Stores `room_events` rows, prepared per row count. */
const insertRoomEvents = preparedInsert("room_events", [
  "room_id",
  "seq",
  "type",
  "actor_id",
  "payload",
  "created_at",
  "message_id",
]);

// Every change of a room runs these two: prepared once, not built and compiled each time.
const takeNextSeq = preparedQuery((db, roomId: string) =>
  db
    .updateTable("rooms")
    .set((eb) => ({ last_seq: eb("last_seq", "+", 1) }))
    .where("id", "=", roomId)
    .returning("last_seq"),
);

const insertRoomEvent = preparedQuery(
  (
    db,
    roomId: string,
    seq: number,
    type: string,
    actorId: string | null,
    payload: string,
    createdAt: string,
    messageId: string | null,
  ) =>
    db.insertInto("room_events").values({
      room_id: roomId,
      seq,
      type,
      actor_id: actorId,
      payload,
      created_at: createdAt,
      message_id: messageId,
    }),
);

/**
 * Replaces the message inside every stored `message.created` and `message.edited` event of
 * one message, so that a replay never shows what the message no longer says (an earlier
 * version, or the body of a deleted message).
 */
export async function rewriteMessageEvents(
  trx: Transaction<Database>,
  roomId: string,
  message: Message,
): Promise<void> {
  const rows = await trx
    .selectFrom("room_events")
    .select(["seq", "payload"])
    .where("room_id", "=", roomId)
    .where("message_id", "=", message.id)
    .where("type", "in", ["message.created", "message.edited"])
    .execute();
  for (const row of rows) {
    const payload = JSON.stringify({ ...JSON.parse(row.payload), message });
    await trx
      .updateTable("room_events")
      .set({ payload })
      .where("room_id", "=", roomId)
      .where("seq", "=", row.seq)
      .execute();
  }
}

/**
 * Removes every stored event of one message (its creation, edits, deletion) from the room's
 * log, for a message deleted for good: a replay then passes over it as if it never was.
 */
export async function deleteMessageEvents(
  trx: Transaction<Database>,
  roomId: string,
  messageId: string,
): Promise<void> {
  await trx.deleteFrom("room_events").where("room_id", "=", roomId).where("message_id", "=", messageId).execute();
}

/**
 * The message an event is about, if any: a message deleted for good takes its reactions,
 * pins and thread summaries out of the log with it.
 */
function messageIdOf(event: RoomEventInput): string | null {
  switch (event.type) {
    case "message.created":
    case "message.edited":
      return event.message.id;
    case "message.deleted":
    case "reaction.added":
    case "reaction.removed":
    case "thread.updated":
    case "message.pinned":
    case "message.unpinned":
      return event.messageId;
    default:
      return null;
  }
}

/**
 * Removes the `reaction.*` entries of a message from the room's log, for a message that was
 * deleted: its tombstone has no reactions, and a replay shows none being added to it.
 */
export async function deleteReactionEvents(
  trx: Transaction<Database>,
  roomId: string,
  messageId: string,
): Promise<void> {
  await trx
    .deleteFrom("room_events")
    .where("room_id", "=", roomId)
    .where("message_id", "=", messageId)
    .where("type", "in", ["reaction.added", "reaction.removed"])
    .execute();
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
