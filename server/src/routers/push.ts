import {
  pushSubscribeInputSchema,
  pushSubscribeResultSchema,
  pushSubscriptionIdInputSchema,
  pushSubscriptionsSchema,
  pushUnsubscribeResultSchema,
  vapidPublicKeySchema,
} from "@natter/shared";
import { z } from "zod";
import type { Services } from "../services/services.js";
import { publicProcedure, router, userProcedure } from "../trpc/trpc.js";

const tags = ["push"];

/**
 * Web Push: the server's VAPID public key, and the caller's subscriptions. A mention or a
 * direct message to a user with no live connection is pushed to each of their subscriptions.
 */
export function createPushRouter({ push }: Services) {
  return router({
    vapidPublicKey: publicProcedure
      .meta({
        openapi: {
          method: "GET",
          path: "/push/vapid-public-key",
          tags,
          summary: "The server's VAPID public key",
          description:
            "The uncompressed P-256 public key, base64url: pass it as `applicationServerKey` to " +
            "`PushManager.subscribe`. Configured (`NATTER_VAPID_PUBLIC_KEY`) or generated once and kept in the " +
            "database; a subscription made with another key must be made again.",
          protect: false,
        },
      })
      .input(z.strictObject({}).optional())
      .output(vapidPublicKeySchema)
      .query(() => push.publicKey()),

    subscribe: userProcedure
      .meta({
        errors: ["TOO_MANY_PUSH_SUBSCRIPTIONS"],
        rateLimit: "pushSubscribe",
        successStatus: 201,
        createdFlag: true,
        openapi: {
          method: "POST",
          path: "/me/push-subscriptions",
          tags,
          summary: "Subscribe a browser to push notifications",
          description:
            "The browser's `PushSubscription.toJSON()`. While the caller has no live connection (no inbox stream, " +
            "no room watcher, on any node), each mention of them and each direct message to them is pushed here, " +
            "encrypted for these keys (RFC 8291) and signed with the server's VAPID key (RFC 8292). Idempotent " +
            "per endpoint: 201 when added, 200 with its keys updated when the caller had it already (an endpoint " +
            "another account had moves to the caller). At most 10 per user (409 TOO_MANY_PUSH_SUBSCRIPTIONS); " +
            "at most NATTER_PUSH_SUBSCRIBE_RATE_PER_ACCOUNT calls per account (default 30 an hour; 429 RATE_LIMITED " +
            "with Retry-After). " +
            "Endpoints on private, loopback, link-local or metadata addresses are refused (400 VALIDATION_FAILED) " +
            "unless the server allows them (`NATTER_PUSH_ALLOW_PRIVATE_NETWORKS`).",
        },
      })
      .input(pushSubscribeInputSchema)
      .output(pushSubscribeResultSchema)
      .mutation(({ ctx, input }) => push.subscribe(ctx.session, input)),

    subscriptions: userProcedure
      .meta({
        openapi: {
          method: "GET",
          path: "/me/push-subscriptions",
          tags,
          summary: "My push subscriptions",
          description: "The caller's push subscriptions (at most 10), oldest first; their keys are not shown.",
        },
      })
      .input(z.strictObject({}).optional())
      .output(pushSubscriptionsSchema)
      .query(({ ctx }) => push.list(ctx.session)),

    unsubscribe: userProcedure
      .meta({
        errors: ["PUSH_SUBSCRIPTION_NOT_FOUND"],
        openapi: {
          method: "DELETE",
          path: "/me/push-subscriptions/{id}",
          tags,
          summary: "Delete a push subscription",
          description:
            "Nothing more is pushed to it, and what was queued to it is dropped. 404 PUSH_SUBSCRIPTION_NOT_FOUND " +
            "when the caller has no subscription with that id (someone else's included).",
        },
      })
      .input(pushSubscriptionIdInputSchema)
      .output(pushUnsubscribeResultSchema)
      .mutation(({ ctx, input }) => push.unsubscribe(ctx.session, input.id)),
  });
}
