import type { WebhookEventType } from "@natter/client";
import { WEBHOOK_EVENT_TYPES } from "../admin/integration-labels.js";
import type { ChatSession } from "../chat/chat-session.js";
import { type WebhookCalls, WebhooksManager } from "./admin/webhooks-admin.js";

/** Server-scoped kinds a room's endpoint never receives, so they are not offered. */
const SERVER_ONLY: ReadonlySet<WebhookEventType> = new Set(["user.created", "room.created"]);

const ROOM_EVENT_TYPES = WEBHOOK_EVENT_TYPES.filter((type) => !SERVER_ONLY.has(type));

/** A room owner's calls: every webhook procedure of `/rooms/{roomId}/webhooks`. */
function roomWebhookCalls(session: ChatSession, roomId: string): WebhookCalls {
  const api = session.client.trpc.webhooks;
  return {
    list: async () => (await api.listForRoom.query({ roomId })).webhooks,
    create: (url, events) => api.createForRoom.mutate({ roomId, url, events }),
    delete: (webhookId) => api.deleteForRoom.mutate({ roomId, webhookId }),
    test: (webhookId) => api.testForRoom.mutate({ roomId, webhookId }),
    rotateSecret: (webhookId) => api.rotateSecretForRoom.mutate({ roomId, webhookId }),
    enable: (webhookId) => api.updateForRoom.mutate({ roomId, webhookId, enabled: true }),
    deliveries: async (webhookId) => (await api.deliveriesForRoom.query({ roomId, webhookId, limit: 50 })).deliveries,
    redeliver: (webhookId, deliveryId) => api.redeliverForRoom.mutate({ roomId, webhookId, deliveryId }),
  };
}

/**
 * A room's outgoing webhooks in its members panel, for its owner (and server admins, as the
 * server allows): the admin page's manager over the room-scoped calls, room event kinds only.
 */
export function RoomWebhooksPanel({ session, roomId }: { session: ChatSession; roomId: string }) {
  return (
    <WebhooksManager
      id="room-webhooks"
      class="room-webhooks"
      calls={roomWebhookCalls(session, roomId)}
      eventTypes={ROOM_EVENT_TYPES}
      reloadKey={roomId}
    />
  );
}
