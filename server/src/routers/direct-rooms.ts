import {
  blockPageSchema,
  blockResultSchema,
  blocksInputSchema,
  blockUserInputSchema,
  directRoomPageSchema,
  directRoomResultSchema,
  directRoomsInputSchema,
  openDirectRoomInputSchema,
  unblockResultSchema,
} from "@natter/shared";
import type { Services } from "../services/services.js";
import { router, userProcedure } from "../trpc/trpc.js";

const tags = ["direct messages"];

/** Direct rooms between two users, and the blocks that keep someone out of them. */
export function createDirectRoomsRouter({ directRooms, blocks }: Services) {
  return router({
    open: userProcedure
      .meta({
        errors: ["USER_NOT_FOUND", "BLOCKED"],
        rateLimit: "roomCreate",
        successStatus: 201,
        createdFlag: true,
        openapi: {
          method: "POST",
          path: "/dms",
          tags,
          summary: "Open a direct room",
          description:
            "The one direct room of the caller and `userId`: 201 when this call created it, 200 when it existed " +
            "already; the same room whichever of the two asks, also when both ask at once. A direct room is " +
            "closed, has exactly its two members and no owner, and cannot be joined, renamed, opened, left, or " +
            "given or rid of members (409 DIRECT_ROOM). 403 BLOCKED when either blocked the other, or, for a new " +
            "room, when the user takes no direct rooms (`directMessages: none`): the answer does not say which.",
        },
      })
      .input(openDirectRoomInputSchema)
      .output(directRoomResultSchema)
      .mutation(({ ctx, input }) => directRooms.open(ctx.session, input.userId)),

    list: userProcedure
      .meta({
        scope: "rooms:read",
        openapi: {
          method: "GET",
          path: "/dms",
          tags,
          summary: "My direct rooms",
          description:
            "The caller's direct rooms, newest activity first (the newest message, or the room's creation before " +
            "the first), keyset paged: each with the other user, the newest message (possibly a tombstone) and " +
            "the caller's unread count.",
        },
      })
      .input(directRoomsInputSchema)
      .output(directRoomPageSchema)
      .query(({ ctx, input }) => directRooms.list(ctx.session, input)),

    block: userProcedure
      .meta({
        errors: ["USER_NOT_FOUND"],
        openapi: {
          method: "PUT",
          path: "/me/blocks/{userId}",
          tags,
          summary: "Block a user",
          description:
            "The user can no longer open a direct room with you or send in yours (403 BLOCKED, the same answer " +
            "as when you take no direct rooms), and their mentions no longer notify you. They are told nothing " +
            "else. Idempotent.",
        },
      })
      .input(blockUserInputSchema)
      .output(blockResultSchema)
      .mutation(async ({ ctx, input }) => ({ blocked: await blocks.block(ctx.session, input.userId) })),

    unblock: userProcedure
      .meta({
        openapi: {
          method: "DELETE",
          path: "/me/blocks/{userId}",
          tags,
          summary: "Unblock a user",
          description: "Lifts a block. Idempotent: lifting a block that is not there answers the same.",
        },
      })
      .input(blockUserInputSchema)
      .output(unblockResultSchema)
      .mutation(async ({ ctx, input }) => {
        await blocks.unblock(ctx.session, input.userId);
        return { userId: input.userId, blocked: false as const };
      }),

    blocks: userProcedure
      .meta({
        openapi: {
          method: "GET",
          path: "/me/blocks",
          tags,
          summary: "My blocks",
          description: "The users the caller has blocked, most recently blocked first, keyset paged.",
        },
      })
      .input(blocksInputSchema)
      .output(blockPageSchema)
      .query(({ ctx, input }) => blocks.list(ctx.session, input)),
  });
}
