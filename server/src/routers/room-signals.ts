import {
  roomPresenceInputSchema,
  roomPresenceResultSchema,
  roomSignalsInputSchema,
  typingInputSchema,
  typingResultSchema,
} from "@natter/shared";
import type { Services } from "../services/services.js";
import { publicProcedure, router, userProcedure } from "../trpc/trpc.js";

/**
 * `rooms.typing`, `rooms.signals` and `rooms.presence`: who is typing and who is watching a room. Ephemeral:
 * nothing is stored or sequenced, so `rooms.signals` is not tracked and starts every
 * (re)connection with a fresh snapshot.
 */
export function createRoomSignalsRouter({ roomSignals }: Services) {
  return router({
    typing: userProcedure
      .meta({
        scope: "messages:write",
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

    presence: publicProcedure
      .meta({
        scope: "messages:read",
        errors: ["ROOM_NOT_FOUND"],
        openapi: {
          method: "GET",
          path: "/rooms/{roomId}/presence",
          tags: ["signals"],
          summary: "Who is watching a room now",
          description:
            "The users with `rooms.signals` open on the room (a user watching from several places is one), the " +
            "first 500 named, and how many anonymous watchers there are. Watching the log (`rooms.events`, " +
            "`GET /rooms/{roomId}/events`) is not presence. Readable as the room is: a closed room does not " +
            "exist (404) to anyone but its members.",
        },
      })
      .input(roomPresenceInputSchema)
      .output(roomPresenceResultSchema)
      .query(async ({ ctx, input }) => ({ presence: await roomSignals.presence(ctx.session, input.roomId) })),

    signals: publicProcedure
      .meta({ scope: "messages:read" })
      .input(roomSignalsInputSchema)
      .subscription(({ ctx, input, signal }) => roomSignals.watch(ctx.session, input.roomId, signal)),
  });
}
