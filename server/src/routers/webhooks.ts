import {
  createRoomWebhookInputSchema,
  createWebhookInputSchema,
  redeliverInputSchema,
  roomRedeliverInputSchema,
  roomWebhookDeliveriesInputSchema,
  roomWebhookInputSchema,
  roomWebhooksInputSchema,
  updateRoomWebhookInputSchema,
  updateWebhookInputSchema,
  webhookDeletedResultSchema,
  webhookDeliveriesInputSchema,
  webhookDeliveryPageSchema,
  webhookDeliveryResultSchema,
  webhookIdInputSchema,
  webhookListSchema,
  webhookResultSchema,
  webhookWithSecretSchema,
} from "@natter/shared";
import { z } from "zod";
import type { Services } from "../services/services.js";
import { adminProcedure, router, userProcedure } from "../trpc/trpc.js";

const tags = ["webhooks"];

const SIGNING =
  "Each delivery is a POST of `{ type, timestamp, data }` signed as the Standard Webhooks specification 1.0 says: " +
  "`webhook-id` (the same on every retry: deduplicate on it), `webhook-timestamp` (seconds), `webhook-signature` " +
  "(`v1,<base64 HMAC-SHA256 of id.timestamp.body>`, two space-separated while a rotated secret still signs).";

/** What the admin and the room-scoped forms of each operation on one endpoint say about it. */
const ABOUT = {
  get: {
    summary: "A webhook endpoint",
    description: "With whether it is enabled, why not, and since when it has been failing.",
  },
  update: {
    summary: "Change a webhook endpoint",
    description:
      "Its URL (checked as at registration), its events, or `enabled`. Enabling again clears the failure " +
      "record; deliveries still pending are then sent.",
  },
  rotateSecret: {
    summary: "Rotate a webhook's secret",
    description:
      "Answers the new secret, shown only here. For 24 hours the old secret signs beside it: " +
      "`webhook-signature` carries both signatures, space-separated, so receivers can switch at leisure.",
  },
  test: {
    summary: "Send a test event",
    description: "Queues a `webhook.test` event (`data: { webhookId }`) to the endpoint; answers its delivery.",
  },
  deliveries: {
    summary: "A webhook's recent deliveries",
    description:
      "Newest first, paged with `cursor`: each with its status, attempts, when the next is due, and the last " +
      "attempt's response code, duration, error and at most 1 KB of the answer. Kept a week after they finish.",
  },
  redeliver: {
    summary: "Send a delivery again",
    description: "Now, with the same `webhook-id`, whatever became of it (delivered, given up, or waiting).",
  },
};

/** The room-scoped form: for the room's owner or a server admin; another room's endpoint is not found. */
const ROOM_SCOPED =
  " For the room's owner (or a server admin); an endpoint of another room, or a server-wide one, is 404 " +
  "WEBHOOK_NOT_FOUND here.";
const ROOM_ERRORS = ["ROOM_NOT_FOUND", "FORBIDDEN", "WEBHOOK_NOT_FOUND"] as const;
const ROOM_HOOK = "/rooms/{roomId}/webhooks/{webhookId}";

/** `ABOUT[name]` for the room-scoped form, at `ROOM_HOOK` + `tail`. */
function roomOpenApi(name: keyof typeof ABOUT, method: "GET" | "PATCH" | "POST", tail = "") {
  const { summary, description } = ABOUT[name];
  const path: `/${string}` = `${ROOM_HOOK}${tail}`;
  return { method, path, tags, summary: `${summary} (room)`, description: description + ROOM_SCOPED };
}

/**
 * Outgoing webhooks: server admins manage every endpoint (`/admin/webhooks`); room owners
 * manage their own room's (`/rooms/{roomId}/webhooks`), each operation on one endpoint in
 * both forms over the same service methods.
 */
export function createWebhooksRouter({ webhooks }: Services) {
  return router({
    create: adminProcedure
      .meta({
        errors: ["ROOM_NOT_FOUND", "CONFLICT"],
        rateLimit: "adminWrite",
        noStore: true,
        openapi: {
          method: "POST",
          path: "/admin/webhooks",
          tags,
          summary: "Register a webhook endpoint",
          description:
            "Server-wide, or with `roomId` for one room. The answer carries the signing secret (`whsec_…`): it is " +
            `shown only here. ${SIGNING} Failed attempts are retried for 3 days (5 s, 30 s, 2 min, 10 min, 30 min, ` +
            "1 h, 2 h, 4 h, 8 h, then every 12 h, ±20%; a `Retry-After` is honoured); a 410 disables the endpoint " +
            "at once, and one failing for 3 days is disabled. One room's events reach an endpoint in seq order.",
        },
        successStatus: 201,
      })
      .input(createWebhookInputSchema)
      .output(webhookWithSecretSchema)
      .mutation(({ ctx, input }) => webhooks.create(ctx.session, input)),

    list: adminProcedure
      .meta({
        openapi: {
          method: "GET",
          path: "/admin/webhooks",
          tags,
          summary: "List webhook endpoints",
          description: "Every endpoint, newest first (a server has at most 200); secrets are never shown again.",
        },
      })
      .input(z.strictObject({}).optional())
      .output(webhookListSchema)
      .query(async ({ ctx }) => ({ webhooks: await webhooks.list(ctx.session) })),

    get: adminProcedure
      .meta({
        errors: ["WEBHOOK_NOT_FOUND"],
        openapi: { method: "GET", path: "/admin/webhooks/{webhookId}", tags, ...ABOUT.get },
      })
      .input(webhookIdInputSchema)
      .output(webhookResultSchema)
      .query(async ({ ctx, input }) => ({ webhook: await webhooks.get(ctx.session, input.webhookId) })),

    update: adminProcedure
      .meta({
        errors: ["WEBHOOK_NOT_FOUND"],
        rateLimit: "adminWrite",
        openapi: { method: "PATCH", path: "/admin/webhooks/{webhookId}", tags, ...ABOUT.update },
      })
      .input(updateWebhookInputSchema)
      .output(webhookResultSchema)
      .mutation(async ({ ctx, input }) => ({ webhook: await webhooks.update(ctx.session, input) })),

    delete: adminProcedure
      .meta({
        errors: ["WEBHOOK_NOT_FOUND"],
        rateLimit: "adminWrite",
        openapi: {
          method: "DELETE",
          path: "/admin/webhooks/{webhookId}",
          tags,
          summary: "Delete a webhook endpoint",
          description: "With its deliveries, sent or not.",
        },
      })
      .input(webhookIdInputSchema)
      .output(webhookDeletedResultSchema)
      .mutation(async ({ ctx, input }) => {
        await webhooks.delete(ctx.session, input.webhookId);
        return { webhookId: input.webhookId, deleted: true as const };
      }),

    rotateSecret: adminProcedure
      .meta({
        errors: ["WEBHOOK_NOT_FOUND"],
        rateLimit: "adminWrite",
        noStore: true,
        openapi: { method: "POST", path: "/admin/webhooks/{webhookId}/rotate-secret", tags, ...ABOUT.rotateSecret },
      })
      .input(webhookIdInputSchema)
      .output(webhookWithSecretSchema)
      .mutation(({ ctx, input }) => webhooks.rotateSecret(ctx.session, input.webhookId)),

    test: adminProcedure
      .meta({
        errors: ["WEBHOOK_NOT_FOUND"],
        rateLimit: "adminWrite",
        openapi: { method: "POST", path: "/admin/webhooks/{webhookId}/test", tags, ...ABOUT.test },
      })
      .input(webhookIdInputSchema)
      .output(webhookDeliveryResultSchema)
      .mutation(async ({ ctx, input }) => ({ delivery: await webhooks.test(ctx.session, input.webhookId) })),

    deliveries: adminProcedure
      .meta({
        errors: ["WEBHOOK_NOT_FOUND"],
        openapi: { method: "GET", path: "/admin/webhooks/{webhookId}/deliveries", tags, ...ABOUT.deliveries },
      })
      .input(webhookDeliveriesInputSchema)
      .output(webhookDeliveryPageSchema)
      .query(({ ctx, input }) => webhooks.deliveries(ctx.session, input)),

    redeliver: adminProcedure
      .meta({
        errors: ["WEBHOOK_NOT_FOUND", "WEBHOOK_DELIVERY_NOT_FOUND"],
        rateLimit: "adminWrite",
        openapi: {
          method: "POST",
          path: "/admin/webhooks/{webhookId}/deliveries/{deliveryId}/redeliver",
          tags,
          ...ABOUT.redeliver,
        },
      })
      .input(redeliverInputSchema)
      .output(webhookDeliveryResultSchema)
      .mutation(async ({ ctx, input }) => ({
        delivery: await webhooks.redeliver(ctx.session, input.webhookId, input.deliveryId),
      })),

    createForRoom: userProcedure
      .meta({
        errors: ["ROOM_NOT_FOUND", "FORBIDDEN", "CONFLICT"],
        rateLimit: "adminWrite",
        noStore: true,
        openapi: {
          method: "POST",
          path: "/rooms/{roomId}/webhooks",
          tags,
          summary: "Register a webhook for a room",
          description:
            "The room's owner (or a server admin): an endpoint that receives this room's events, as " +
            "`POST /admin/webhooks` with `roomId` (a room has at most 10). The secret is shown only here.",
        },
        successStatus: 201,
      })
      .input(createRoomWebhookInputSchema)
      .output(webhookWithSecretSchema)
      .mutation(({ ctx, input }) => webhooks.createForRoom(ctx.session, input.roomId, input.url, input.events)),

    listForRoom: userProcedure
      .meta({
        errors: ["ROOM_NOT_FOUND", "FORBIDDEN"],
        openapi: {
          method: "GET",
          path: "/rooms/{roomId}/webhooks",
          tags,
          summary: "A room's webhooks",
          description: "For the room's owner (or a server admin); secrets are never shown again.",
        },
      })
      .input(roomWebhooksInputSchema)
      .output(webhookListSchema)
      .query(async ({ ctx, input }) => ({ webhooks: await webhooks.listForRoom(ctx.session, input.roomId) })),

    getForRoom: userProcedure
      .meta({ errors: ROOM_ERRORS, openapi: roomOpenApi("get", "GET") })
      .input(roomWebhookInputSchema)
      .output(webhookResultSchema)
      .query(async ({ ctx, input }) => ({ webhook: await webhooks.get(ctx.session, input.webhookId, input.roomId) })),

    updateForRoom: userProcedure
      .meta({ errors: ROOM_ERRORS, rateLimit: "adminWrite", openapi: roomOpenApi("update", "PATCH") })
      .input(updateRoomWebhookInputSchema)
      .output(webhookResultSchema)
      .mutation(async ({ ctx, input: { roomId, ...change } }) => ({
        webhook: await webhooks.update(ctx.session, change, roomId),
      })),

    rotateSecretForRoom: userProcedure
      .meta({
        errors: ROOM_ERRORS,
        rateLimit: "adminWrite",
        noStore: true,
        openapi: roomOpenApi("rotateSecret", "POST", "/rotate-secret"),
      })
      .input(roomWebhookInputSchema)
      .output(webhookWithSecretSchema)
      .mutation(({ ctx, input }) => webhooks.rotateSecret(ctx.session, input.webhookId, input.roomId)),

    testForRoom: userProcedure
      .meta({ errors: ROOM_ERRORS, rateLimit: "adminWrite", openapi: roomOpenApi("test", "POST", "/test") })
      .input(roomWebhookInputSchema)
      .output(webhookDeliveryResultSchema)
      .mutation(async ({ ctx, input }) => ({
        delivery: await webhooks.test(ctx.session, input.webhookId, input.roomId),
      })),

    deliveriesForRoom: userProcedure
      .meta({ errors: ROOM_ERRORS, openapi: roomOpenApi("deliveries", "GET", "/deliveries") })
      .input(roomWebhookDeliveriesInputSchema)
      .output(webhookDeliveryPageSchema)
      .query(({ ctx, input: { roomId, ...page } }) => webhooks.deliveries(ctx.session, page, roomId)),

    redeliverForRoom: userProcedure
      .meta({
        errors: [...ROOM_ERRORS, "WEBHOOK_DELIVERY_NOT_FOUND"],
        rateLimit: "adminWrite",
        openapi: roomOpenApi("redeliver", "POST", "/deliveries/{deliveryId}/redeliver"),
      })
      .input(roomRedeliverInputSchema)
      .output(webhookDeliveryResultSchema)
      .mutation(async ({ ctx, input }) => ({
        delivery: await webhooks.redeliver(ctx.session, input.webhookId, input.deliveryId, input.roomId),
      })),

    deleteForRoom: userProcedure
      .meta({
        errors: ["ROOM_NOT_FOUND", "FORBIDDEN", "WEBHOOK_NOT_FOUND"],
        rateLimit: "adminWrite",
        openapi: {
          method: "DELETE",
          path: "/rooms/{roomId}/webhooks/{webhookId}",
          tags,
          summary: "Delete a room's webhook",
          description: "For the room's owner (or a server admin), with its deliveries.",
        },
      })
      .input(roomWebhookInputSchema)
      .output(webhookDeletedResultSchema)
      .mutation(async ({ ctx, input }) => {
        await webhooks.delete(ctx.session, input.webhookId, input.roomId);
        return { webhookId: input.webhookId, deleted: true as const };
      }),
  });
}
