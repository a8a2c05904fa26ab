import { askTicket, openStream, refusalOf } from "../sse/event-stream-fixtures.js";
import { ALLOW as A, type Matrix, type Outcome, type RoomCell } from "./matrix.js";

const U: Outcome = "UNAUTHENTICATED";
const NF: Outcome = "ROOM_NOT_FOUND";

/** Opens the room's event stream as the cell's caller and tells how it answered; a stream that opens is let go. */
async function streamOutcome(baseUrl: string, cell: RoomCell, auth: { token?: string; ticket?: string }) {
  const stream = await openStream(baseUrl, cell.roomId, {
    ...(auth.token && { token: auth.token }),
    ...(auth.ticket && { query: { ticket: auth.ticket } }),
  });
  if (stream.status === 200) {
    stream.close();
    return A;
  }
  return (await refusalOf(stream)) ?? `HTTP ${stream.status}`;
}

/**
 * A room's live events over Server-Sent Events. Columns: anonymous, nonMember, member, admin,
 * owner. Streaming is reading the room; a ticket needs a signed-in caller who may read it.
 * `rooms.events` itself is a WebSocket subscription, asserted in messages/room-events.test.ts.
 */
export const matrix: Matrix = {
  resource: "events",
  rooms: [
    {
      procedure: "rooms.eventsTicket",
      input: (cell) => ({ roomId: cell.roomId }),
      open: [U, A, A, A, A],
      closed: [U, NF, A, A, A],
    },
  ],
  paths: [
    {
      path: "GET /rooms/{roomId}/events",
      variant: "bearer header",
      call: (cell, baseUrl) => streamOutcome(baseUrl, cell, cell.caller ? { token: cell.caller.token } : {}),
      open: [A, A, A, A, A],
      closed: [NF, NF, A, A, A],
    },
    {
      path: "GET /rooms/{roomId}/events",
      variant: "ticket",
      call: async (cell, baseUrl) => {
        if (!cell.caller) return (await askTicket(baseUrl, "", cell.roomId)).body.error.code;
        const issued = await askTicket(baseUrl, cell.caller.token, cell.roomId);
        if (issued.status !== 201) return issued.body.error.code;
        return streamOutcome(baseUrl, cell, { ticket: issued.body.ticket.ticket });
      },
      open: [U, A, A, A, A],
      closed: [U, NF, A, A, A],
    },
  ],
};
