import { rawEventStream, rest } from "../harness/index.js";
import { refusalOf } from "../sse/event-stream-fixtures.js";
import { ALLOW as A, type Matrix, type Outcome } from "./matrix.js";

const U: Outcome = "UNAUTHENTICATED";

/** Opens `GET /me/events` with these headers and query; a stream that opens is let go. */
async function inboxStreamOutcome(baseUrl: string, headers: Record<string, string>, query = ""): Promise<string> {
  const stream = await rawEventStream(baseUrl, `/api/v1/me/events${query}`, {
    headers: { Accept: "text/event-stream", ...headers },
  });
  if (stream.status === 200) {
    stream.close();
    return A;
  }
  return (await refusalOf(stream)) ?? `HTTP ${stream.status}`;
}

/**
 * The caller's inbox: any signed-in user, their own only (there is no input naming another
 * user); nobody anonymous. The path rows are tried on every matrix room, which the inbox
 * does not depend on: a member of none fares as a member of all.
 */
export const matrix: Matrix = {
  resource: "inbox",
  accounts: [{ procedure: "users.eventsTicket", input: () => ({}), anonymous: U, user: A }],
  paths: [
    {
      path: "GET /me/events",
      variant: "bearer header",
      call: (cell, baseUrl) =>
        inboxStreamOutcome(baseUrl, cell.caller ? { Authorization: `Bearer ${cell.caller.token}` } : {}),
      open: [U, A, A, A, A],
      closed: [U, A, A, A, A],
    },
    {
      path: "GET /me/events",
      variant: "ticket",
      call: async (cell, baseUrl) => {
        const issued = await rest(
          baseUrl,
          "POST",
          "/me/events/ticket",
          cell.caller ? { token: cell.caller.token } : {},
        );
        if (issued.status !== 201) return issued.body.error.code;
        return inboxStreamOutcome(baseUrl, {}, `?ticket=${encodeURIComponent(issued.body.ticket.ticket)}`);
      },
      open: [U, A, A, A, A],
      closed: [U, A, A, A, A],
    },
  ],
  elsewhere: [{ procedure: "users.events", coveredBy: "inbox/inbox-stream.test.ts" }],
};
