import {
  createIncomingWebhookInputSchema,
  incomingWebhookDeletedSchema,
  incomingWebhookIdInputSchema,
  incomingWebhookListSchema,
  incomingWebhookPostInputSchema,
  incomingWebhookPostResultSchema,
  incomingWebhookWithUrlSchema,
  NatterError,
  roomIncomingWebhooksInputSchema,
} from "@natter/shared";
import type { Services } from "../services/services.js";
import { toTRPCError } from "../trpc/error-mapping.js";
import { publicProcedure, router, userProcedure } from "../trpc/trpc.js";

const tags = ["webhooks"];

/**
 * Incoming webhooks: room owners (and server admins) make URLs that post into their room as a
 * bot; anyone holding a URL posts through it, without a token.
 */
export function createIncomingWebhooksRouter({ incomingWebhooks }: Services) {
  return router({
    create: userProcedure
      .meta({
        errors: ["ROOM_NOT_FOUND", "FORBIDDEN", "BOT_NOT_FOUND", "CONFLICT", "USERNAME_TAKEN"],
        rateLimit: "adminWrite",
        noStore: true,
        successStatus: 201,
        openapi: {
          method: "POST",
          path: "/rooms/{roomId}/incoming-webhooks",
          tags,
          summary: "Create an incoming webhook",
          description:
            "The room's owner (a server admin too, where they are the room's owner: the hook's bot is added to the " +
            "room as a member, which needs a room admin; server admins list and delete any room's hooks). Answers `url` (`/api/v1/hooks/{hookId}/{secret}`), shown only here: " +
            'a POST of `{ "text": "…" }` to it posts into the room as the hook\'s bot, a new bot named after the ' +
            "hook (added to the room) unless a server admin names one with `botUserId`. A room has at most 20.",
        },
      })
      .input(createIncomingWebhookInputSchema)
      .output(incomingWebhookWithUrlSchema)
      .mutation(({ ctx, input }) => incomingWebhooks.create(ctx.session, input.roomId, input.name, input.botUserId)),

    list: userProcedure
      .meta({
        errors: ["ROOM_NOT_FOUND", "FORBIDDEN"],
        openapi: {
          method: "GET",
          path: "/rooms/{roomId}/incoming-webhooks",
          tags,
          summary: "A room's incoming webhooks",
          description: "For the room's owner and server admins; never their secrets.",
        },
      })
      .input(roomIncomingWebhooksInputSchema)
      .output(incomingWebhookListSchema)
      .query(async ({ ctx, input }) => ({ incomingWebhooks: await incomingWebhooks.list(ctx.session, input.roomId) })),

    delete: userProcedure
      .meta({
        errors: ["ROOM_NOT_FOUND", "FORBIDDEN", "INCOMING_WEBHOOK_NOT_FOUND"],
        rateLimit: "adminWrite",
        openapi: {
          method: "DELETE",
          path: "/rooms/{roomId}/incoming-webhooks/{hookId}",
          tags,
          summary: "Delete an incoming webhook",
          description: "Its URL answers 404 at once; its bot and what it posted stay.",
        },
      })
      .input(incomingWebhookIdInputSchema)
      .output(incomingWebhookDeletedSchema)
      .mutation(async ({ ctx, input }) => {
        await incomingWebhooks.delete(ctx.session, input.roomId, input.hookId);
        return { hookId: input.hookId, deleted: true as const };
      }),

    post: publicProcedure
      .meta({
        errors: ["INCOMING_WEBHOOK_NOT_FOUND", "RATE_LIMITED", "FORBIDDEN", "MUTED", "SLOW_MODE"],
        openapi: {
          method: "POST",
          path: "/hooks/{hookId}/{secret}",
          tags,
          summary: "Post through an incoming webhook",
          description:
            "No token: the URL is the credential. Slack-compatible subset: `text` becomes the message (natter's " +
            "formatting rules, up to 4000 characters); `username` and `icon_url` are accepted and ignored, since " +
            "posts always show the hook's bot; other Slack fields are dropped. An unknown or deleted hook and a " +
            "wrong secret all answer 404 INCOMING_WEBHOOK_NOT_FOUND, after the same work (the secret is compared " +
            "in constant time). At most NATTER_INCOMING_WEBHOOK_RATE_PER_HOOK posts per hook (429 RATE_LIMITED).",
        },
      })
      .input(incomingWebhookPostInputSchema)
      .output(incomingWebhookPostResultSchema)
      .mutation(async ({ ctx, input }) => {
        try {
          // Counted per hook id (known or not, so that counting tells nothing), and per address.
          await ctx.writeLimits.take("incomingWebhook", { address: ctx.clientAddress, userId: `hook:${input.hookId}` });
        } catch (error) {
          throw error instanceof NatterError ? toTRPCError(error) : error;
        }
        const message = await incomingWebhooks.post(input.hookId, input.secret, input.text);
        return { ok: true as const, messageId: message.id };
      }),
  });
}
