import { z } from "zod";
import { LIMITS } from "../limits.js";
import { idSchema, timestampSchema } from "./common.js";

/** Base64url without padding, as browsers give push keys (`PushSubscription.toJSON()`). */
const base64url = (min: number, max: number) =>
  z
    .string()
    .min(min)
    .max(max)
    .regex(/^[A-Za-z0-9_-]+$/, "base64url without padding");

/** The server's VAPID public key: the uncompressed P-256 point, base64url (`applicationServerKey`). */
export const vapidPublicKeySchema = z.object({ publicKey: base64url(87, 87) }).meta({ id: "VapidPublicKey" });
export type VapidPublicKey = z.infer<typeof vapidPublicKeySchema>;

/** A browser's push subscription, as `PushSubscription.toJSON()` shapes it (`expirationTime` ignored). */
export const pushSubscribeInputSchema = z.object({
  endpoint: z.url({ protocol: /^https?$/ }).max(LIMITS.pushEndpointMax),
  /** The browser's P-256 public key (65 bytes: 87 characters) and its 16-byte auth secret (22). */
  keys: z.strictObject({ p256dh: base64url(87, 87), auth: base64url(22, 22) }),
  expirationTime: z.number().nullable().optional(),
});
export type PushSubscribeInput = z.infer<typeof pushSubscribeInputSchema>;

/** One of the caller's push subscriptions; its keys are not shown again. */
export const pushSubscriptionSchema = z
  .object({
    id: idSchema,
    endpoint: z.string(),
    createdAt: timestampSchema,
  })
  .meta({ id: "PushSubscription" });
export type PushSubscriptionInfo = z.infer<typeof pushSubscriptionSchema>;

/** The subscription; `created` says whether this call added it (false: the endpoint was known, its keys updated). */
export const pushSubscribeResultSchema = z.object({ subscription: pushSubscriptionSchema, created: z.boolean() });

export const pushSubscriptionsSchema = z.object({ subscriptions: z.array(pushSubscriptionSchema) });

export const pushSubscriptionIdInputSchema = z.strictObject({ id: idSchema });

export const pushUnsubscribeResultSchema = z.object({ id: idSchema, deleted: z.literal(true) });

/** What a notification carries to the service worker (decrypted), as JSON. */
export const pushNotificationSchema = z.object({
  type: z.enum(["mention", "direct"]),
  title: z.string(),
  /** The message's first characters (`INBOX_PREVIEW_MAX`). */
  body: z.string(),
  roomId: idSchema,
  messageId: idSchema,
  /** The web app's path of the room, to open on click. */
  url: z.string(),
});
export type PushNotification = z.infer<typeof pushNotificationSchema>;
