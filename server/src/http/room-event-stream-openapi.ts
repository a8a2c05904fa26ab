import { type ErrorCode, inboxEventSchema, roomEventSchema } from "@natter/shared";
import type { PlainPathDocumentParts } from "./upload-openapi.js";

const STREAM_ERRORS: ErrorCode[] = [
  "INSUFFICIENT_SCOPE",
  "VALIDATION_FAILED",
  "MALFORMED_REQUEST",
  "UNAUTHENTICATED",
  "NOT_FOUND",
  "ROOM_NOT_FOUND",
  "RATE_LIMITED",
  "INTERNAL",
];

/** What the inbox stream may answer instead of starting. */
const INBOX_STREAM_ERRORS: ErrorCode[] = [
  "VALIDATION_FAILED",
  "MALFORMED_REQUEST",
  "UNAUTHENTICATED",
  "RESYNC_REQUIRED",
  "RATE_LIMITED",
  "INTERNAL",
];

/** The types an event of the stream may have: its `event:` line, and its `data.type`. */
const EVENT_TYPES = roomEventSchema.options.map((option) => option.shape.type.value);
/** The types an inbox entry may have. */
const INBOX_EVENT_TYPES = inboxEventSchema.options.map((option) => option.shape.type.value);

/** A stream's position parameters: the query's `lastEventId` and the `Last-Event-ID` header. */
const POSITION_PARAMETERS = [
  {
    name: "lastEventId",
    in: "query",
    required: false,
    description: "The `seq` of the last event the caller holds; `Last-Event-ID` wins when both are sent.",
    schema: { type: "string", pattern: "^\\d{1,15}$" },
  },
  {
    name: "Last-Event-ID",
    in: "header",
    required: false,
    description: "The `id` of the last event received, as `EventSource` sends it when it reconnects.",
    schema: { type: "string", pattern: "^\\d{1,15}$" },
  },
];

/** The OpenAPI path item of the caller's inbox stream (`GET /me/events`). */
function inboxEventStreamPathItem({ ref, errorResponses }: PlainPathDocumentParts): Record<string, unknown> {
  return {
    get: {
      operationId: "users-eventStream",
      tags: ["inbox"],
      summary: "Your inbox, live (Server-Sent Events)",
      description:
        "Everything that concerns you across your rooms, as `text/event-stream`, exactly as the `users.events` " +
        "subscription streams it: each entry once, in the order of your own `seq` (1, 2, 3… with no gaps), as " +
        "`id: <seq>`, `event: <type>`, `data: <the entry as JSON>`. `message.created` summarises a message in a " +
        "room you are a member of (author, the first 140 characters, whether it mentions you): one from someone " +
        "else adds one to that room's unread count (and one to its mentions when `mentioned`). `unread.changed` " +
        "gives a room's counts when they change otherwise (you read, or a message you had unread was deleted) and " +
        "is not sent for a new message: keep " +
        "the count by adding each `message.created` (one entry per member per message, not two). `mention`, `room.added`, `room.removed` and `dm.created` as named; `room.updated` gives a room's " +
        "name, `open` and `slowModeSeconds` as they now are, to each member, when they change. Without a " +
        "position the stream starts live; with `Last-Event-ID` or `lastEventId` every later entry is replayed " +
        "first, across restarts and from any node. Entries are kept 7 days: a position older than that answers " +
        "409 `RESYNC_REQUIRED` (reload `GET /me/unread` and your rooms, then open the stream without a " +
        "position). Sign in with `Authorization: Bearer <token>` or, from a browser's `EventSource`, a `ticket` " +
        "from `POST /me/events/ticket`. A comment line comes every 15 seconds; the stream ends when your session " +
        "does or the reader falls too far behind. It counts against the same ceilings as a room's stream.",
      security: [{ bearerAuth: [] }],
      parameters: [
        ...POSITION_PARAMETERS,
        {
          name: "ticket",
          in: "query",
          required: false,
          description: "A single-use ticket from `POST /me/events/ticket`, instead of a bearer header.",
          schema: { type: "string" },
        },
      ],
      responses: {
        "200": {
          description: "The stream; it stays open until one of the ends above.",
          headers: { "Cache-Control": { schema: { type: "string", const: "no-store" } } },
          content: {
            "text/event-stream": {
              schema: {
                type: "object",
                description: "One entry, as the lines `id:`, `event:` and `data:` followed by a blank line.",
                required: ["id", "event", "data"],
                properties: {
                  id: { type: "string", description: "The entry's `seq` in your inbox: what to resume from." },
                  event: { type: "string", enum: INBOX_EVENT_TYPES },
                  data: ref("InboxEvent"),
                },
              },
            },
          },
        },
        ...errorResponses(INBOX_STREAM_ERRORS),
      },
    },
  };
}

/** The OpenAPI path item of a room's event stream, a plain HTTP route rather than a tRPC procedure. */
export function roomEventStreamPathItems(parts: PlainPathDocumentParts): Record<string, unknown> {
  const { ref, errorResponses } = parts;
  return {
    "/me/events": inboxEventStreamPathItem(parts),
    "/rooms/{roomId}/events": {
      get: {
        operationId: "rooms-eventStream",
        tags: ["rooms"],
        summary: "The room's events, live (Server-Sent Events)",
        description:
          "The room's log as `text/event-stream`, exactly as the `rooms.events` subscription streams it: every " +
          "event once, in `seq` order, each as `id: <seq>`, `event: <type>` and `data: <the event as JSON>`. " +
          "Without a position the stream starts live; with `Last-Event-ID` (which `EventSource` sends when it " +
          "reconnects) or `lastEventId`, every later event is replayed first. A comment line (`: heartbeat`) comes " +
          "every 15 seconds (`NATTER_EVENT_STREAM_HEARTBEAT_MS`). Open rooms may be watched anonymously; closed " +
          "rooms by members, with `Authorization: Bearer <token>` or, from a browser's `EventSource`, a `ticket` " +
          "from `POST /rooms/{roomId}/events/ticket`. A token in the URL is refused. The stream ends after an " +
          "event that ends the caller's view (the room deleted, the caller kicked or gone, the room closed to a " +
          "non-member), when the caller's session ends, and when the reader falls too far behind; reconnecting " +
          "then resumes, or answers why not. Streams count against the same per-account and per-address " +
          "ceilings as WebSocket subscriptions (429 beyond).",
        security: [{}, { bearerAuth: [] }],
        parameters: [
          { name: "roomId", in: "path", required: true, schema: { type: "string" } },
          {
            name: "lastEventId",
            in: "query",
            required: false,
            description: "The `seq` of the last event the caller holds; `Last-Event-ID` wins when both are sent.",
            schema: { type: "string", pattern: "^\\d{1,15}$" },
          },
          {
            name: "ticket",
            in: "query",
            required: false,
            description: "A single-use ticket from `POST /rooms/{roomId}/events/ticket`, instead of a bearer header.",
            schema: { type: "string" },
          },
          {
            name: "Last-Event-ID",
            in: "header",
            required: false,
            description: "The `id` of the last event received, as `EventSource` sends it when it reconnects.",
            schema: { type: "string", pattern: "^\\d{1,15}$" },
          },
        ],
        responses: {
          "200": {
            description: "The stream; it stays open until one of the ends above.",
            headers: { "Cache-Control": { schema: { type: "string", const: "no-store" } } },
            content: {
              "text/event-stream": {
                schema: {
                  type: "object",
                  description:
                    "One event of the stream, as the lines `id:`, `event:` and `data:` followed by a blank line.",
                  required: ["id", "event", "data"],
                  properties: {
                    id: { type: "string", description: "The event's `seq`: what to resume from." },
                    event: { type: "string", enum: EVENT_TYPES },
                    data: ref("RoomEvent"),
                  },
                },
              },
            },
          },
          ...errorResponses(STREAM_ERRORS),
        },
      },
    },
  };
}
