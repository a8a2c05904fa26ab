import { messageRefInputSchema, messageResultSchema, pinsResultSchema, roomPinsInputSchema } from "@natter/shared";
import type { Services } from "../services/services.js";
import { publicProcedure, router, userProcedure } from "../trpc/trpc.js";

const tags = ["pins"];

/** A room's pinned messages: `rooms.pin`, `rooms.unpin`, `rooms.pins`. */
export function createPinsRouter({ pins }: Services) {
  return router({
    pin: userProcedure
      .meta({
        scope: "messages:write",
        errors: ["ROOM_NOT_FOUND", "FORBIDDEN", "MESSAGE_NOT_FOUND", "CONFLICT", "TOO_MANY_PINS"],
        rateLimit: "messageSend",
        openapi: {
          method: "PUT",
          path: "/rooms/{roomId}/pins/{messageId}",
          tags,
          summary: "Pin a message",
          description:
            "The room's owner and admins only (members 403). Idempotent. A deleted message cannot be pinned " +
            "(409 CONFLICT); a room holds at most 50 pins (409 TOO_MANY_PINS). Deleting a message unpins it.",
        },
      })
      .input(messageRefInputSchema)
      .output(messageResultSchema)
      .mutation(async ({ ctx, input }) => ({ message: await pins.pin(ctx.session, input.roomId, input.messageId) })),

    unpin: userProcedure
      .meta({
        scope: "messages:write",
        errors: ["ROOM_NOT_FOUND", "FORBIDDEN", "MESSAGE_NOT_FOUND"],
        rateLimit: "messageSend",
        openapi: {
          method: "DELETE",
          path: "/rooms/{roomId}/pins/{messageId}",
          tags,
          summary: "Unpin a message",
          description: "The room's owner and admins only (members 403). Idempotent.",
        },
      })
      .input(messageRefInputSchema)
      .output(messageResultSchema)
      .mutation(async ({ ctx, input }) => ({ message: await pins.unpin(ctx.session, input.roomId, input.messageId) })),

    pins: publicProcedure
      .meta({
        scope: "messages:read",
        errors: ["ROOM_NOT_FOUND"],
        openapi: {
          method: "GET",
          path: "/rooms/{roomId}/pins",
          tags,
          summary: "Pinned messages",
          description: "Newest pin first, all of them (at most 50). Readable as the room's history is.",
          protect: false,
        },
      })
      .input(roomPinsInputSchema)
      .output(pinsResultSchema)
      .query(async ({ ctx, input }) => ({ messages: await pins.list(ctx.session, input.roomId) })),
  });
}
