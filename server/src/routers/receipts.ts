import { receiptsInputSchema, receiptsResultSchema } from "@natter/shared";
import type { Services } from "../services/services.js";
import { router, userProcedure } from "../trpc/trpc.js";

/** How far members have read: `rooms.receipts`; moves arrive live as `receipt.updated` on `rooms.signals`. */
export function createReceiptsRouter({ receipts }: Services) {
  return router({
    receipts: userProcedure
      .meta({
        scope: "messages:read",
        errors: ["ROOM_NOT_FOUND", "FORBIDDEN"],
        openapi: {
          method: "GET",
          path: "/rooms/{roomId}/receipts",
          tags: ["messages"],
          summary: "Read receipts",
          description:
            "Members only. Each member's read cursor (`POST /rooms/{roomId}/read`) and when it last moved, in " +
            "user id order, keyset paged; members who turned `shareReadReceipts` off, and those who never read, " +
            "are left out. Live changes arrive as `receipt.updated` signals on `rooms.signals` (members only, at " +
            "most one per member per second); they are not entries of the room's log.",
        },
      })
      .input(receiptsInputSchema)
      .output(receiptsResultSchema)
      .query(({ ctx, input }) => receipts.list(ctx.session, input.roomId, input)),
  });
}
