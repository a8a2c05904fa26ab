import {
  eventStreamTicketInputSchema,
  eventStreamTicketResultSchema,
  type RoomEvent,
  roomEventsInputSchema,
} from "@natter/shared";
import { tracked } from "@trpc/server";
import type { Services } from "../services/services.js";
import { mapStream } from "../trpc/mapped-stream.js";
import { publicProcedure, router, userProcedure } from "../trpc/trpc.js";

/**
 * `rooms.events`: a room's log as a live subscription (WebSocket). Each event is tracked by
 * its `seq`, so a client that reconnects resumes with `lastEventId` and misses nothing.
 * Anonymous callers may watch open rooms; closed rooms answer members only.
 * `rooms.eventsTicket`: a ticket to open the same stream as Server-Sent Events from a
 * client that cannot send an Authorization header.
 */
export function createRoomEventsRouter({ roomEvents, eventStreamTickets }: Services) {
  return router({
    events: publicProcedure
      .meta({ scope: "messages:read" })
      .input(roomEventsInputSchema)
      .subscription(({ ctx, input, signal }) => {
        const afterSeq = input.lastEventId === undefined ? undefined : Number(input.lastEventId);
        // Once caught up, events go straight to the socket, tracked exactly as below.
        const { live } = ctx;
        const deliver = live && ((event: RoomEvent) => void live.send(String(event.seq), event));
        return mapStream(roomEvents.watch(ctx.session, input.roomId, afterSeq, signal, deliver), trackedEvent);
      }),

    eventsTicket: userProcedure
      .meta({
        errors: ["ROOM_NOT_FOUND"],
        rateLimit: "eventStreamTicket",
        noStore: true,
        successStatus: 201,
        openapi: {
          method: "POST",
          path: "/rooms/{roomId}/events/ticket",
          tags: ["rooms"],
          summary: "A ticket to open the room's event stream",
          description:
            "For browsers' `EventSource`, which cannot send an Authorization header: open " +
            "`GET /rooms/{roomId}/events?ticket=…` with it within 60 seconds (`NATTER_EVENT_STREAM_TICKET_TTL_SECONDS`). " +
            "A ticket opens one stream once, for the caller's session and this room only; it ends with the session. " +
            "`EventSource` reconnects with the same URL, which a spent ticket refuses: on its `error`, ask for a new " +
            "ticket and resume with `&lastEventId=` set to the last event's id. Never put the bearer token itself " +
            "in a URL.",
        },
      })
      .input(eventStreamTicketInputSchema)
      .output(eventStreamTicketResultSchema)
      .mutation(async ({ ctx, input }) => ({ ticket: await eventStreamTickets.issue(ctx.session, input.roomId) })),
  });
}

function trackedEvent(event: RoomEvent) {
  return tracked(String(event.seq), event);
}
