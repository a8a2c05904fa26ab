import { createHash } from "node:crypto";
import { type Database, type PushDeliveriesTable, uuidV7 } from "@natter/db";
import type { PushNotification, RoomKind } from "@natter/shared";
import type { Insertable, Transaction } from "kysely";
import { toTimestamp } from "../../clock/clock.js";
import type { InboxEntry } from "../../events/inbox-log.js";

/** Users one look-up of subscriptions names at most, and rows one insert writes (10 values each). */
const USERS_PER_QUERY = 1000;
const ROWS_PER_INSERT = 500;

/** A notification for one user, before it is queued to each of their subscriptions. */
interface Wanted {
  userId: string;
  notification: PushNotification;
}

/**
 * Queues, inside the transaction of the change, a Web Push notification to every subscription
 * of each user the change's inbox entries mention (`mention`: blocked users' mentions were
 * never resolved) or send a direct message to: one per user and message, a mention in a direct
 * room counting once. Whether the user is away is decided when its turn comes
 * (`PushDeliveryWorker`). Answers whether anything was queued. `known`: the kind of a room the
 * change already read in this transaction (a send's), so that a plain message in a room that is
 * not direct, which notifies nobody, reads nothing.
 */
export async function queuePushNotifications(
  trx: Transaction<Database>,
  entries: readonly InboxEntry[],
  now: number,
  known?: { roomId: string; kind: RoomKind },
): Promise<boolean> {
  const notifiesNobody = (roomId: string) => known?.roomId === roomId && known.kind !== "direct";
  // Nobody is notified of their own message, nor of a plain one in a room known not to be direct:
  // a send that mentions nobody, in a room of several, looks nothing up.
  const summaries = entries.flatMap(({ userId, event }) =>
    (event.type === "mention" || (event.type === "message.created" && !notifiesNobody(event.roomId))) &&
    userId !== event.author.userId
      ? [{ userId, event }]
      : [],
  );
  if (summaries.length === 0) return false;
  const roomIds = [...new Set(summaries.map(({ event }) => event.roomId))];
  const rooms = await trx.selectFrom("rooms").select(["id", "kind", "name"]).where("id", "in", roomIds).execute();
  const roomOf = new Map(rooms.map((room) => [room.id, room]));
  const wanted = new Map<string, Wanted>();
  for (const { userId, event } of summaries) {
    const room = roomOf.get(event.roomId);
    if (!room) continue;
    const direct = room.kind === "direct";
    if (event.type === "message.created" && !direct) continue;
    const key = `${userId} ${event.messageId}`;
    if (wanted.has(key)) continue;
    const author = event.author.username;
    wanted.set(key, {
      userId,
      notification: {
        type: direct ? "direct" : "mention",
        title: direct ? author : `${author} mentioned you in ${room.name}`,
        body: event.preview,
        roomId: event.roomId,
        messageId: event.messageId,
        url: `/rooms/${encodeURIComponent(event.roomId)}`,
      },
    });
  }
  if (wanted.size === 0) return false;
  const userIds = [...new Set([...wanted.values()].map((w) => w.userId))];
  const subscriptions = [];
  for (let from = 0; from < userIds.length; from += USERS_PER_QUERY) {
    const chunk = userIds.slice(from, from + USERS_PER_QUERY);
    subscriptions.push(
      ...(await trx.selectFrom("push_subscriptions").select(["id", "user_id"]).where("user_id", "in", chunk).execute()),
    );
  }
  if (subscriptions.length === 0) return false;
  const at = toTimestamp(now);
  const rows: Insertable<PushDeliveriesTable>[] = [];
  for (const { userId, notification } of wanted.values()) {
    for (const subscription of subscriptions) {
      if (subscription.user_id !== userId) continue;
      rows.push({
        id: uuidV7(now),
        subscription_id: subscription.id,
        user_id: userId,
        room_id: notification.roomId,
        message_id: notification.messageId,
        payload: JSON.stringify(notification),
        status: "pending",
        attempts: 0,
        next_attempt_at: at,
        created_at: at,
      });
    }
  }
  if (rows.length === 0) return false;
  for (let from = 0; from < rows.length; from += ROWS_PER_INSERT) {
    await trx
      .insertInto("push_deliveries")
      .values(rows.slice(from, from + ROWS_PER_INSERT))
      .execute();
  }
  return true;
}

/** The Web Push `Topic` of a room's notifications (at most 32 base64url characters): one per room. */
export function topicOfRoom(roomId: string): string {
  return createHash("sha256").update(roomId).digest("base64url").slice(0, 32);
}
