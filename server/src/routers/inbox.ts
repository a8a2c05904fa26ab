import { type InboxEvent, inboxEventsInputSchema, inboxStreamTicketResultSchema } from "@natter/shared";
import { tracked } from "@trpc/server";
import { z } from "zod";
import type { InboxEntry } from "../events/inbox-log.js";
import type { Services } from "../services/services.js";
import { mapStream } from "../trpc/mapped-stream.js";
import { userProcedure } from "../trpc/trpc.js";

/**
 * `users.events`: the caller's inbox as a live subscription (WebSocket, or SSE through
 * `httpSubscriptionLink`), each entry tracked by the user's own seq, so that a client that
 * reconnects resumes with `lastEventId` and misses nothing (or is told RESYNC_REQUIRED).
 * `users.eventsTicket`: a ticket to open the same stream as `GET /me/events` from a client
 * that cannot send an Authorization header. Procedures of the `users` router.
 */
export function inboxProcedures({ inbox, eventStreamTickets }: Services) {
  return {
    events: userProcedure
      .meta({ scope: "messages:read", errors: ["RESYNC_REQUIRED"] })
      .input(inboxEventsInputSchema)
      .subscription(({ ctx, input, signal }) => {
        const afterSeq = input.lastEventId === undefined ? undefined : Number(input.lastEventId);
        // Once caught up, entries go straight to the socket, tracked exactly as below; one with
        // a shared part is framed from its bytes, its event not made (`InboxEntry.shared`).
        const { live } = ctx;
        const deliver =
          live &&
          ((entry: InboxEntry) =>
            void (entry.shared
              ? live.sendShared(String(entry.seq), entry.shared)
              : live.send(String(entry.seq), entry.event)));
        return mapStream(inbox.watch(ctx.session, afterSeq, signal, deliver), trackedEntry);
      }),

    eventsTicket: userProcedure
      .meta({
        rateLimit: "eventStreamTicket",
        noStore: true,
        successStatus: 201,
        openapi: {
          method: "POST",
          path: "/me/events/ticket",
          tags: ["inbox"],
          summary: "A ticket to open your inbox stream",
          description:
            "For browsers' `EventSource`, which cannot send an Authorization header: open " +
            "`GET /me/events?ticket=…` with it within 60 seconds (`NATTER_EVENT_STREAM_TICKET_TTL_SECONDS`). " +
            "A ticket opens one stream once, for the caller's session; it ends with the session. On the " +
            "`EventSource`'s `error`, ask for a new ticket and resume with `&lastEventId=` set to the last entry's id.",
        },
      })
      .input(z.strictObject({}).optional())
      .output(inboxStreamTicketResultSchema)
      .mutation(async ({ ctx }) => ({ ticket: await eventStreamTickets.issueInbox(ctx.session) })),
  };
}

function trackedEntry(entry: InboxEntry) {
  return tracked<InboxEvent>(String(entry.seq), entry.event);
}
