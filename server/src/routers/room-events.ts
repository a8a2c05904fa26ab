import { type RoomEvent, roomEventsInputSchema } from "@natter/shared";
import { tracked } from "@trpc/server";
import type { Services } from "../services/services.js";
import { mapStream } from "../trpc/mapped-stream.js";
import { publicProcedure, router } from "../trpc/trpc.js";

/**
 * `rooms.events`: a room's log as a live subscription (WebSocket). Each event is tracked by
 * its `seq`, so a client that reconnects resumes with `lastEventId` and misses nothing.
 * Anonymous callers may watch open rooms; closed rooms answer members only.
 */
export function createRoomEventsRouter({ roomEvents }: Services) {
  return router({
    events: publicProcedure.input(roomEventsInputSchema).subscription(({ ctx, input, signal }) => {
      const afterSeq = input.lastEventId === undefined ? undefined : Number(input.lastEventId);
      // Once caught up, events go straight to the socket, tracked exactly as below.
      const { live } = ctx;
      const deliver = live && ((event: RoomEvent) => void live.send(String(event.seq), event));
      return mapStream(roomEvents.watch(ctx.session, input.roomId, afterSeq, signal, deliver), trackedEvent);
    }),
  });
}

function trackedEvent(event: RoomEvent) {
  return tracked(String(event.seq), event);
}
