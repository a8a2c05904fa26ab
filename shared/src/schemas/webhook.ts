import { z } from "zod";
import { LIMITS } from "../limits.js";
import { idSchema, jsonBooleanSchema, timestampSchema } from "./common.js";
import { pageLimitSchema } from "./pagination.js";
import { type RoomEventType, roomEventSchema } from "./room-event.js";

/** The room event kinds a webhook may receive: every entry of a room's log. */
export const ROOM_WEBHOOK_EVENT_TYPES = roomEventSchema.options.map((option) => option.shape.type.value) as [
  RoomEventType,
  ...RoomEventType[],
];

/** Every kind a webhook may subscribe to: room events, and `user.created` for server-wide endpoints. */
export const WEBHOOK_EVENT_TYPES: [RoomEventType | "user.created", ...(RoomEventType | "user.created")[]] = [
  ...ROOM_WEBHOOK_EVENT_TYPES,
  "user.created",
];
export const webhookEventTypeSchema = z.enum(WEBHOOK_EVENT_TYPES).meta({ id: "WebhookEventType" });
export type WebhookEventType = z.infer<typeof webhookEventTypeSchema>;

/** What a delivery's `type` may be: a subscribed kind, or `webhook.test` (sent on request). */
export type WebhookDeliveryType = WebhookEventType | "webhook.test";

const webhookUrlSchema = z
  .string()
  .min(1)
  .max(LIMITS.webhookUrlMax)
  .describe(
    "An `https:` or `http:` URL. Refused (400 VALIDATION_FAILED, naming the rule) when its host is, or resolves to, " +
      "a private, loopback, link-local or metadata address (IPv4 or IPv6), unless the server runs with " +
      "NATTER_WEBHOOK_ALLOW_PRIVATE_NETWORKS=true. Checked again at each connection; redirects are not followed.",
  );

const eventsSchema = z
  .array(webhookEventTypeSchema)
  .min(1)
  .max(WEBHOOK_EVENT_TYPES.length)
  .describe("The event types to deliver; `user.created` and `room.created` only to server-wide endpoints.");

/** `POST /admin/webhooks`: a server-wide endpoint, or with `roomId` one for that room. */
export const createWebhookInputSchema = z.strictObject({
  url: webhookUrlSchema,
  events: eventsSchema,
  roomId: idSchema.optional(),
});
export type CreateWebhookInput = z.infer<typeof createWebhookInputSchema>;

/** `POST /rooms/{roomId}/webhooks`: a room owner's endpoint for their room. */
export const createRoomWebhookInputSchema = z.strictObject({
  roomId: idSchema,
  url: webhookUrlSchema,
  events: eventsSchema,
});

export const webhookIdInputSchema = z.strictObject({ webhookId: idSchema });

/** `PATCH /admin/webhooks/{webhookId}`: what is given changes; enabling again clears the failure record. */
export const updateWebhookInputSchema = z.strictObject({
  webhookId: idSchema,
  url: webhookUrlSchema.optional(),
  events: eventsSchema.optional(),
  enabled: jsonBooleanSchema.optional(),
});
export type UpdateWebhookInput = z.infer<typeof updateWebhookInputSchema>;

/** An endpoint as admins see it; its secret is shown only when it is made or rotated. */
export const webhookSchema = z
  .object({
    id: idSchema,
    url: z.string(),
    events: z.array(webhookEventTypeSchema),
    /** The room it is scoped to; null for a server-wide endpoint. */
    roomId: idSchema.nullable(),
    enabled: z.boolean(),
    /** Why it was disabled: `admin`, `gone` (the receiver answered 410), `failing` (3 days of failures). */
    disabledReason: z.enum(["admin", "gone", "failing"]).nullable(),
    /** When the failures still going on began; null while it answers. */
    failingSince: timestampSchema.nullable(),
    /** Until when the secret before the last rotation still signs beside the new one. */
    previousSecretExpiresAt: timestampSchema.nullable(),
    createdAt: timestampSchema,
    updatedAt: timestampSchema,
  })
  .meta({ id: "Webhook" });
export type Webhook = z.infer<typeof webhookSchema>;

export const webhookResultSchema = z.object({ webhook: webhookSchema });

/** A new or rotated endpoint with its secret (`whsec_` + base64 of 32 bytes): shown this once. */
export const webhookWithSecretSchema = z
  .object({ webhook: webhookSchema, secret: z.string().startsWith("whsec_") })
  .meta({ id: "WebhookWithSecret" });

export const webhookListSchema = z.object({ webhooks: z.array(webhookSchema) }).meta({ id: "WebhookList" });

/** One event to one endpoint, and how its latest attempt went. */
export const webhookDeliverySchema = z
  .object({
    /** The `webhook-id` header: the same on every attempt. */
    id: z.string(),
    webhookId: idSchema,
    type: z.string(),
    roomId: idSchema.nullable(),
    seq: z.number().int().nullable(),
    status: z.enum(["pending", "delivered", "failed"]),
    attempts: z.number().int().nonnegative(),
    /** When the next attempt is due; null once delivered or given up. */
    nextAttemptAt: timestampSchema.nullable(),
    lastAttempt: z
      .object({
        at: timestampSchema,
        /** The receiver's status; null when there was no answer (timeout, refused connection). */
        statusCode: z.number().int().nullable(),
        durationMs: z.number().int().nonnegative(),
        error: z.string().nullable(),
        /** The start of the receiver's answer: at most 1 KB is kept. */
        response: z.string().nullable(),
      })
      .nullable(),
    createdAt: timestampSchema,
    finishedAt: timestampSchema.nullable(),
  })
  .meta({ id: "WebhookDelivery" });
export type WebhookDelivery = z.infer<typeof webhookDeliverySchema>;

export const webhookDeliveryResultSchema = z.object({ delivery: webhookDeliverySchema });

/** `GET /admin/webhooks/{webhookId}/deliveries`: newest first, paged with `cursor`. */
export const webhookDeliveriesInputSchema = z.strictObject({
  webhookId: idSchema,
  limit: pageLimitSchema,
  cursor: z.string().max(200).optional(),
});

export const webhookDeliveryPageSchema = z
  .object({ deliveries: z.array(webhookDeliverySchema), nextCursor: z.string().nullable() })
  .meta({ id: "WebhookDeliveryPage" });
export type WebhookDeliveryPage = z.infer<typeof webhookDeliveryPageSchema>;

export const redeliverInputSchema = z.strictObject({ webhookId: idSchema, deliveryId: z.string().min(1).max(100) });

export const webhookDeletedResultSchema = z.object({ webhookId: idSchema, deleted: z.literal(true) });

/**
 * `/rooms/{roomId}/webhooks/{webhookId}` (get, delete, rotate-secret, test): one of the room's
 * endpoints, for its owner or a server admin.
 */
export const roomWebhookInputSchema = z.strictObject({ roomId: idSchema, webhookId: idSchema });

/** `PATCH /rooms/{roomId}/webhooks/{webhookId}`: as `PATCH /admin/webhooks/{webhookId}`, for the room's endpoint. */
export const updateRoomWebhookInputSchema = updateWebhookInputSchema.extend({ roomId: idSchema });

/** `GET /rooms/{roomId}/webhooks/{webhookId}/deliveries`: newest first, paged with `cursor`. */
export const roomWebhookDeliveriesInputSchema = webhookDeliveriesInputSchema.extend({ roomId: idSchema });

/** `POST /rooms/{roomId}/webhooks/{webhookId}/deliveries/{deliveryId}/redeliver`. */
export const roomRedeliverInputSchema = redeliverInputSchema.extend({ roomId: idSchema });

export const roomWebhooksInputSchema = z.strictObject({ roomId: idSchema });
