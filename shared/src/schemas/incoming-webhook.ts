import { z } from "zod";
import { LIMITS } from "../limits.js";
import { followingTextRule, idSchema, nameTextSchema, timestampSchema } from "./common.js";
import { messageBodySchema } from "./message.js";

/** `POST /rooms/{roomId}/incoming-webhooks`: a URL that posts into the room as a bot. */
export const createIncomingWebhookInputSchema = z.strictObject({
  roomId: idSchema,
  name: followingTextRule(
    nameTextSchema().min(1).max(LIMITS.displayNameMax),
    "name",
    `1 to ${LIMITS.displayNameMax} characters; also the display name of the bot made for the hook.`,
  ),
  /** An existing bot to post as (server admins only); left out, a bot of the hook's own is made. */
  botUserId: idSchema.optional(),
});
export type CreateIncomingWebhookInput = z.input<typeof createIncomingWebhookInputSchema>;

export const incomingWebhookSchema = z
  .object({
    id: idSchema,
    roomId: idSchema,
    name: z.string(),
    /** The bot its posts come from. */
    botUserId: idSchema,
    createdAt: timestampSchema,
  })
  .meta({ id: "IncomingWebhook" });
export type IncomingWebhook = z.infer<typeof incomingWebhookSchema>;

/** A new hook with its URL (which holds the secret), shown only in this answer. */
export const incomingWebhookWithUrlSchema = z
  .object({
    incomingWebhook: incomingWebhookSchema,
    /** `/api/v1/hooks/{hookId}/{secret}`, relative to the server's base URL. */
    url: z.string(),
  })
  .meta({ id: "NewIncomingWebhook" });
export type IncomingWebhookWithUrl = z.infer<typeof incomingWebhookWithUrlSchema>;

export const incomingWebhookListSchema = z.object({ incomingWebhooks: z.array(incomingWebhookSchema) });
export const roomIncomingWebhooksInputSchema = z.strictObject({ roomId: idSchema });
export const incomingWebhookIdInputSchema = z.strictObject({ roomId: idSchema, hookId: idSchema });
export const incomingWebhookDeletedSchema = z.object({ hookId: idSchema, deleted: z.literal(true) });

/**
 * `POST /hooks/{hookId}/{secret}`: the Slack-compatible subset. `text` becomes the message
 * body; `username` and `icon_url` are accepted and ignored (posts always show the hook's bot,
 * so a hook cannot pass itself off as a person); other Slack fields are dropped.
 */
export const incomingWebhookPostInputSchema = z.object({
  hookId: idSchema,
  secret: z.string().min(1).max(200),
  text: messageBodySchema,
  username: z.string().max(200).optional(),
  icon_url: z.string().max(2048).optional(),
});
export const incomingWebhookPostResultSchema = z.object({ ok: z.literal(true), messageId: idSchema });
