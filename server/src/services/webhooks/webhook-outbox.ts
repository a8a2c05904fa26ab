import { type Database, preparedQuery, uuidV7 } from "@natter/db";
import type { RoomEvent, User, WebhookDeliveryType } from "@natter/shared";
import type { Insertable, Kysely, Transaction } from "kysely";
import { toTimestamp } from "../../clock/clock.js";

/** The body of every delivery, as the Standard Webhooks specification shapes it. */
export interface WebhookPayload {
  type: WebhookDeliveryType;
  timestamp: string;
  data: unknown;
}

/** What a delivery is about, besides its body: the room and seq that order it. */
interface Queued {
  type: WebhookDeliveryType;
  roomId: string | null;
  seq: number | null;
  /** The body, as JSON: serialised once for all the endpoints that get it. */
  body: string;
}

function queued(type: WebhookDeliveryType, roomId: string | null, seq: number | null, payload: WebhookPayload): Queued {
  return { type, roomId, seq, body: JSON.stringify(payload) };
}

/** An enabled endpoint, and the event types it wants (a JSON array of names). */
export interface WebhookEndpoint {
  id: string;
  events: string;
}

// Every room change runs this: prepared once, not built and compiled each time.
const endpointsOfRoom = preparedQuery((db, roomId: string) =>
  db
    .selectFrom("webhooks")
    .select(["id", "events"])
    .where("enabled", "=", 1)
    .where((eb) => eb.or([eb("room_id", "is", null), eb("room_id", "=", roomId)])),
);

const serverEndpoints = preparedQuery((db) =>
  db.selectFrom("webhooks").select(["id", "events"]).where("enabled", "=", 1).where("room_id", "is", null),
);

/** The enabled endpoints that get a room's events: the room's own and the server-wide ones. */
export async function readRoomEndpoints(db: Kysely<Database>, roomId: string): Promise<WebhookEndpoint[]> {
  return (await endpointsOfRoom(db, roomId)).rows;
}

/**
 * Writes one outbox row per endpoint that wants each of these room events, inside the
 * transaction that stores the events: committed together or not at all, so that no event is
 * lost between its commit and its sending. `known`: endpoints of a room already read in this
 * transaction (a send's, `RoomStateCache`), not read again. Answers whether anything was queued.
 */
export async function queueRoomEventDeliveries(
  trx: Transaction<Database>,
  events: readonly RoomEvent[],
  now: number,
  known?: { roomId: string; endpoints: readonly WebhookEndpoint[] },
): Promise<boolean> {
  const rows: DeliveryRow[] = [];
  const byRoom = new Map<string, readonly WebhookEndpoint[]>(known ? [[known.roomId, known.endpoints]] : []);
  for (const event of events) {
    let endpoints = byRoom.get(event.roomId);
    if (!endpoints) {
      endpoints = await readRoomEndpoints(trx, event.roomId);
      byRoom.set(event.roomId, endpoints);
    }
    let item: Queued | undefined;
    for (const endpoint of endpoints) {
      if (!wants(endpoint.events, event.type)) continue;
      item ??= queued(event.type, event.roomId, event.seq, { type: event.type, timestamp: event.at, data: event });
      rows.push(deliveryRow(endpoint.id, item, now));
    }
  }
  await insertDeliveries(trx, rows);
  return rows.length > 0;
}

/** Queues `user.created` to the server-wide endpoints that want it, inside the account's transaction. */
export async function queueUserCreatedDeliveries(trx: Transaction<Database>, user: User, now: number): Promise<void> {
  const rows: DeliveryRow[] = [];
  let item: Queued | undefined;
  for (const endpoint of (await serverEndpoints(trx)).rows) {
    if (!wants(endpoint.events, "user.created")) continue;
    item ??= queued("user.created", null, null, { type: "user.created", timestamp: user.createdAt, data: user });
    rows.push(deliveryRow(endpoint.id, item, now));
  }
  await insertDeliveries(trx, rows);
}

/** Queues a `webhook.test` event to one endpoint; answers the delivery's id. */
export async function queueTestDelivery(db: Kysely<Database>, webhookId: string, now: number): Promise<string> {
  const payload: WebhookPayload = { type: "webhook.test", timestamp: toTimestamp(now), data: { webhookId } };
  const row = deliveryRow(webhookId, queued("webhook.test", null, null, payload), now);
  await insertDeliveries(db, [row]);
  return row.id;
}

function wants(events: string, type: string): boolean {
  // The list is JSON of known names: a quoted match is exact.
  return events.includes(`"${type}"`);
}

/** One outbox row: a delivery of `item` to one endpoint, due at once. */
type DeliveryRow = Insertable<Database["webhook_deliveries"]> & { id: string };

function deliveryRow(webhookId: string, { type, roomId, seq, body }: Queued, now: number): DeliveryRow {
  const at = toTimestamp(now);
  return {
    id: `msg_${uuidV7(now)}`,
    webhook_id: webhookId,
    room_id: roomId,
    seq,
    event_type: type,
    payload: body,
    status: "pending",
    attempts: 0,
    next_attempt_at: at,
    created_at: at,
  };
}

/**
 * Writes the rows in one statement: the usual one (a send to a room with one endpoint) through
 * a statement prepared once, several (more endpoints, more events) as one multi-row insert.
 */
async function insertDeliveries(db: Kysely<Database>, rows: readonly DeliveryRow[]): Promise<void> {
  const [row] = rows;
  if (!row) return;
  if (rows.length > 1) {
    await db.insertInto("webhook_deliveries").values(rows).execute();
    return;
  }
  await insertDeliveryRow(
    db,
    row.id,
    row.webhook_id,
    row.room_id ?? null,
    row.seq ?? null,
    row.event_type,
    row.payload,
    row.created_at,
  );
}

const insertDeliveryRow = preparedQuery(
  (
    db,
    id: string,
    webhookId: string,
    roomId: string | null,
    seq: number | null,
    type: string,
    payload: string,
    at: string,
  ) =>
    db.insertInto("webhook_deliveries").values({
      id,
      webhook_id: webhookId,
      room_id: roomId,
      seq,
      event_type: type,
      payload,
      status: "pending",
      attempts: 0,
      next_attempt_at: at,
      created_at: at,
    }),
);
