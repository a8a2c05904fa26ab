import { roomSignalsInputSchema, typingInputSchema, typingResultSchema } from "@natter/shared";
import type { Services } from "../services/services.js";
import { publicProcedure, router, userProcedure } from "../trpc/trpc.js";

/**
 * `rooms.typing` and `rooms.signals`: who is typing and who is watching a room. Ephemeral:
 * nothing is stored or sequenced, so `rooms.signals` is not tracked and starts every
 * (re)connection with a fresh snapshot.
 */
export function createRoomSignalsRouter({ roomSignals }: Services) {
  return router({
    typing: userProcedure
      .meta({
        errors: ["ROOM_NOT_FOUND", "FORBIDDEN"],
        openapi: {
          method: "POST",
          path: "/rooms/{roomId}/typing",
          tags: ["signals"],
          summary: "Show that you are typing",
          description:
            "Members only. Watchers of `rooms.signals` see the caller typing until `expiresAt`, a few " +
            "seconds from now; call again before then to keep the indicator up.",
        },
      })
      .input(typingInputSchema)
      .output(typingResultSchema)
      .mutation(({ ctx, input }) => roomSignals.typing(ctx.session, input.roomId)),

    signals: publicProcedure
      .input(roomSignalsInputSchema)
      .subscription(({ ctx, input, signal }) => roomSignals.watch(ctx.session, input.roomId, signal)),
  });
}
