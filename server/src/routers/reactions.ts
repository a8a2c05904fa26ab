import { reactionInputSchema, reactionsResultSchema, reactorPageSchema, reactorsInputSchema } from "@natter/shared";
import type { Services } from "../services/services.js";
import { publicProcedure, router, userProcedure } from "../trpc/trpc.js";

const tags = ["reactions"];
const path = "/rooms/{roomId}/messages/{messageId}/reactions/{emoji}";

/** Reactions to messages: `messages.react`, `messages.unreact` and who reacted, `messages.reactors`. */
export function createReactionsRouter({ reactions }: Services) {
  return router({
    react: userProcedure
      .meta({
        scope: "messages:write",
        errors: [
          "ROOM_NOT_FOUND",
          "FORBIDDEN",
          "MUTED",
          "BLOCKED",
          "MESSAGE_NOT_FOUND",
          "CONFLICT",
          "TOO_MANY_REACTIONS",
        ],
        rateLimit: "messageSend",
        openapi: {
          method: "PUT",
          path,
          tags,
          summary: "React to a message",
          description:
            "Members who may send only: a muted member gets 403 `MUTED`, a blocked direct room 403 `BLOCKED`. " +
            "`{emoji}` is one emoji, URL-encoded, or a `:shortcode:`. Idempotent: " +
            "reacting again changes nothing. A deleted message takes no reactions (409 CONFLICT); a message holds " +
            "at most 20 different emoji (409 TOO_MANY_REACTIONS). Answers the message's reactions, `me` for you.",
        },
      })
      .input(reactionInputSchema)
      .output(reactionsResultSchema)
      .mutation(({ ctx, input }) => reactions.react(ctx.session, input.roomId, input.messageId, input.emoji)),

    unreact: userProcedure
      .meta({
        scope: "messages:write",
        errors: ["ROOM_NOT_FOUND", "FORBIDDEN", "MESSAGE_NOT_FOUND"],
        rateLimit: "messageSend",
        openapi: {
          method: "DELETE",
          path,
          tags,
          summary: "Take back a reaction",
          description:
            "Members only. Idempotent: without that reaction (a deleted message has none) nothing changes. " +
            "Answers the message's reactions, `me` for you.",
        },
      })
      .input(reactionInputSchema)
      .output(reactionsResultSchema)
      .mutation(({ ctx, input }) => reactions.unreact(ctx.session, input.roomId, input.messageId, input.emoji)),

    reactors: publicProcedure
      .meta({
        scope: "messages:read",
        errors: ["ROOM_NOT_FOUND", "MESSAGE_NOT_FOUND"],
        openapi: {
          method: "GET",
          path,
          tags,
          summary: "Who reacted with an emoji",
          description:
            "Earliest first, in keyset pages (`nextCursor`). Readable as the room's history is: open rooms by " +
            "anyone, closed rooms by members.",
          protect: false,
        },
      })
      .input(reactorsInputSchema)
      .output(reactorPageSchema)
      .query(({ ctx, input }) => reactions.reactors(ctx.session, input.roomId, input.messageId, input.emoji, input)),
  });
}
