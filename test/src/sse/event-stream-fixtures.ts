import { type RoomEvent, roomEventSchema } from "@natter/shared";
import { EventSource } from "eventsource";
import { type RawEventStream, rawEventStream, rest, type StreamedEvent } from "../harness/index.js";
import { waitFor } from "../messages/room-fixtures.js";

/** Every `event:` name a room's stream may carry: EventSource hands named events only to their listeners. */
const EVENT_TYPES = roomEventSchema.options.map((option) => option.shape.type.value);

/** The path of a room's event stream, with its query. */
export function streamPath(roomId: string, query: Record<string, string> = {}): string {
  const search = new URLSearchParams(query).toString();
  return `/api/v1/rooms/${encodeURIComponent(roomId)}/events${search ? `?${search}` : ""}`;
}

/** Opens a room's stream over a plain socket, as the holder of `token` (anonymous without). */
export function openStream(
  baseUrl: string,
  roomId: string,
  {
    token,
    query,
    headers = {},
  }: { token?: string; query?: Record<string, string>; headers?: Record<string, string> } = {},
): Promise<RawEventStream> {
  return rawEventStream(baseUrl, streamPath(roomId, query), {
    headers: { Accept: "text/event-stream", ...(token && { Authorization: `Bearer ${token}` }), ...headers },
  });
}

/** The room events of a raw stream, checked against their `id:` and `event:` lines. */
export function roomEventsOf(events: readonly StreamedEvent[]): RoomEvent[] {
  return events.map((wire) => {
    const event = roomEventSchema.parse(JSON.parse(wire.data));
    if (wire.id !== String(event.seq) || wire.event !== event.type) {
      throw new Error(`id/event lines ${wire.id}/${wire.event} do not match the event ${event.seq}/${event.type}`);
    }
    return event;
  });
}

/** The error code of a stream refused before it started. */
export function refusalOf(stream: RawEventStream): Promise<string | undefined> {
  return stream.closed.then(() => JSON.parse(stream.body()).error?.code);
}

/** Asks for a ticket to a room's stream; answers the REST response. */
export function askTicket(baseUrl: string, token: string, roomId: string) {
  return rest(baseUrl, "POST", `/rooms/${encodeURIComponent(roomId)}/events/ticket`, { token });
}

/** A browser-style EventSource (the `eventsource` package) on a room's stream, recording what it receives. */
export interface WatchingEventSource {
  source: EventSource;
  events: RoomEvent[];
  /** The `lastEventId` of each event, as EventSource tracked it. */
  ids: string[];
  /** How often the connection opened (the first time, then once per reconnect). */
  opens: number;
  /** The HTTP status of each failed (re)connection, in order. */
  errors: (number | undefined)[];
  /** Waits until `done(events)` holds. */
  until(what: string, done: (events: RoomEvent[]) => boolean): Promise<void>;
  close(): void;
}

/**
 * Opens an EventSource on `url`; with `token`, every (re)connection sends it as a bearer
 * header (EventSource in Node allows it through its `fetch` option; a browser's cannot).
 */
export function watchWithEventSource(url: string, token?: string): WatchingEventSource {
  const source = new EventSource(url, {
    fetch: (input, init) =>
      fetch(input, { ...init, headers: { ...init?.headers, ...(token && { Authorization: `Bearer ${token}` }) } }),
  });
  const watch: WatchingEventSource = {
    source,
    events: [],
    ids: [],
    opens: 0,
    errors: [],
    until: (what, done) => waitFor(what, () => done(watch.events)),
    close: () => source.close(),
  };
  source.addEventListener("open", () => {
    watch.opens += 1;
  });
  source.addEventListener("error", (error) => {
    watch.errors.push(error.code);
  });
  for (const type of EVENT_TYPES) {
    source.addEventListener(type, (message) => {
      watch.ids.push(message.lastEventId);
      watch.events.push(roomEventSchema.parse(JSON.parse(message.data)));
    });
  }
  return watch;
}
