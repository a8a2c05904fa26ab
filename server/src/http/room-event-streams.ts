import type { IncomingMessage, ServerResponse } from "node:http";
import {
  type InboxEvent,
  inboxEventsInputSchema,
  NatterError,
  type RoomEvent,
  roomEventsInputSchema,
} from "@natter/shared";
import { requireScope } from "../auth/api-key-scopes.js";
import type { AuthSession } from "../auth/auth-session.js";
import { endedTokenError } from "../auth/ended-token-error.js";
import type { TrustedProxies } from "../config/trusted-proxies.js";
import { encodingOf, type SharedEncoding } from "../events/encoded-events.js";
import type { InboxEntry } from "../events/inbox-log.js";
import type { LiveAdmission } from "../live/live-admission.js";
import { isSlowReader, type SlowReaderStats } from "../live/slow-reader.js";
import { whenDrained } from "../live/when-drained.js";
import { requestClientAddress } from "../rate-limit/client-address.js";
import type { Services } from "../services/services.js";
import type { SubscriptionSlots } from "../trpc/context.js";
import { validationFailed } from "../trpc/validation-failed.js";
import { bearerTokenOf } from "./bearer-token.js";
import { BASE_HEADERS } from "./responses.js";
import { onlyMethods, refuseQuery } from "./route-guards.js";
import { type Route, route } from "./route-table.js";

/** Where a room's log is streamed as Server-Sent Events. */
export const ROOM_EVENTS_PATH = "/api/v1/rooms/:roomId/events";
/** Where the caller's inbox is streamed as Server-Sent Events. */
export const INBOX_EVENTS_PATH = "/api/v1/me/events";

/** Query parameters that would put a long-lived bearer token in a URL, and logs, and histories. */
const TOKEN_PARAMETERS = ["token", "access_token", "authorization", "bearer"];

/** What the event streams have done so far, for metrics and tests. */
export interface EventStreamStats extends SlowReaderStats {
  /** Streams open now. */
  open: number;
  /** Room events written to streams, one per stream and event. */
  deliveries: number;
}

export interface RoomEventStreamsDeps {
  services: Services;
  /** Admits each stream as a live connection, under the ceilings WebSockets count against too. */
  admission: LiveAdmission;
  /** Proxies whose `X-Forwarded-For` per-address limits believe. */
  trustedProxies: TrustedProxies;
  /** How often a stream is sent a comment line. */
  heartbeatMs: number;
  /** Unsent bytes a stream may hold; past this its reader is too slow and it is cut off. */
  maxBufferedBytes: number;
}

/**
 * `GET /api/v1/rooms/{roomId}/events` as `text/event-stream`: the room's log exactly as
 * `rooms.events` streams it (the same catch-up, order, exactly-once and end rules, from the
 * same `RoomEventsService.watch`), for clients without tRPC. Each event is
 * `id: <seq>` / `event: <type>` / `data: <json>`; a client resumes with `Last-Event-ID` (as
 * EventSource does on reconnect) or `?lastEventId=`. The stream counts against the same
 * ceilings as a WebSocket with one subscription (connections per account and per address,
 * subscriptions), is cut off when its reader falls behind,
 * and ends when the caller's view of the room ends or its session does; the client then
 * reconnects and is told why (404, 401). Refusals before the stream starts are answered by
 * the request handler like any route's.
 */
export class RoomEventStreams {
  private readonly stats: EventStreamStats = { open: 0, deliveries: 0, slowReadersDropped: 0, maxBufferedBytes: 0 };
  /** How to end each open stream, for a shutdown. */
  private readonly streams = new Set<() => void>();
  /** Set by a shutdown: a stream asked for on a connection still open is not started. */
  private closing = false;
  /** Each room event's frame, written once however many streams carry it. */
  private readonly frames = new WeakMap<RoomEvent | InboxEvent, string>();

  constructor(private readonly deps: RoomEventStreamsDeps) {}

  /** The route of the stream. */
  routes(): Route[] {
    // Any method: the REST catch-all below /api/v1 would otherwise answer other methods with a 404.
    return [
      route("*", ROOM_EVENTS_PATH, (req, res, { params, search }) => {
        onlyMethods(req, ["GET", "HEAD"]);
        return this.serveRoom(req, res, params.roomId ?? "", search);
      }),
      route("*", INBOX_EVENTS_PATH, (req, res, { search }) => {
        onlyMethods(req, ["GET", "HEAD"]);
        return this.serveInbox(req, res, search);
      }),
    ];
  }

  /** What the streams have done so far. */
  snapshot(): Readonly<EventStreamStats> {
    return { ...this.stats };
  }

  /**
   * Admits a tRPC subscription over Server-Sent Events (`httpSubscriptionLink`) as one of these
   * streams: the same connection ceilings, its subscriptions counted with the caller's other
   * ones, ended with its session and at a shutdown (closing its response, which ends the
   * subscription). Answers the subscription slots its context carries.
   */
  async admitTrpcStream(
    req: IncomingMessage,
    res: ServerResponse,
    session: AuthSession | null,
  ): Promise<SubscriptionSlots> {
    if (this.closing) throw new NatterError("BUSY", "The server is shutting down", { retryAfterSeconds: 1 });
    const address = requestClientAddress(req, this.deps.trustedProxies);
    const releaseAddress = this.deps.admission.admitAddress(address);
    if (typeof releaseAddress !== "function") throw new NatterError("RATE_LIMITED", releaseAddress.message);
    let ended = false;
    const endListeners: (() => void)[] = [];
    const end = () => {
      if (ended) return;
      ended = true;
      this.streams.delete(end);
      this.stats.open -= 1;
      releaseAddress();
      if (!res.writableEnded) res.end();
      for (const listener of endListeners) listener();
    };
    this.stats.open += 1;
    this.streams.add(end);
    res.once("close", end);
    res.on("error", end);
    if (res.closed) end();
    if (session) {
      try {
        await this.admitSession(session, { ended: () => ended, endListeners, end });
      } catch (error) {
        end();
        throw error;
      }
    }
    return { open: 0, shared: this.deps.admission.subscriptionsOf(session?.userId, address) };
  }

  /**
   * Admits a stream as one of its session's live connections (see `LiveAdmission`): it ends
   * when the session ends. Throws 429 when the account holds its ceiling, 401 when the session
   * has ended; the caller then ends the stream, which gives back what it took.
   */
  private async admitSession(
    session: AuthSession,
    stream: { ended(): boolean; endListeners: (() => void)[]; end(): void },
  ): Promise<void> {
    const refusal = await this.deps.admission.admitSession(session, {
      get ended() {
        return stream.ended();
      },
      onEnd: (listener) => stream.endListeners.push(listener),
      endSession: stream.end,
    });
    if (refusal?.refused === "tooManyConnections") throw new NatterError("RATE_LIMITED", refusal.message);
    if (refusal) throw endedTokenError();
  }

  /** Ends every open stream, for a shutdown: their clients reconnect to another node or later. */
  closeAll(): void {
    this.closing = true;
    for (const end of [...this.streams]) end();
  }

  private async serveRoom(req: IncomingMessage, res: ServerResponse, roomId: string, search: string): Promise<void> {
    const { services } = this.deps;
    const { lastEventId, ticket } = parseRequest(req, search);
    const parsed = roomEventsInputSchema.safeParse({ roomId, ...(lastEventId !== undefined && { lastEventId }) });
    if (!parsed.success) throw validationFailed(parsed.error.issues);
    const input = parsed.data;
    const session = await this.caller(req, ticket, async (value) => {
      const redeemed = await services.eventStreamTickets.redeem(value, input.roomId);
      if (redeemed) return redeemed;
      throw new NatterError(
        "UNAUTHENTICATED",
        "This ticket is unknown, spent, expired or for another room: ask POST /rooms/{roomId}/events/ticket for a new one",
      );
    });
    const afterSeq = input.lastEventId === undefined ? undefined : Number(input.lastEventId);
    await this.serve<RoomEvent>(
      req,
      res,
      session,
      (signal, send, opened) => services.roomEvents.watch(session, input.roomId, afterSeq, signal, send, opened),
      (event) => this.frame(event, event.seq),
    );
  }

  /** `GET /me/events`: the caller's inbox, signed in by a bearer header or a ticket. */
  private async serveInbox(req: IncomingMessage, res: ServerResponse, search: string): Promise<void> {
    const { services } = this.deps;
    const { lastEventId, ticket } = parseRequest(req, search);
    const parsed = inboxEventsInputSchema.safeParse({ ...(lastEventId !== undefined && { lastEventId }) });
    if (!parsed.success) throw validationFailed(parsed.error.issues);
    const session = await this.caller(req, ticket, async (value) => {
      const redeemed = await services.eventStreamTickets.redeemInbox(value);
      if (redeemed) return redeemed;
      throw new NatterError(
        "UNAUTHENTICATED",
        "This ticket is unknown, spent or expired: ask POST /me/events/ticket for a new one",
      );
    });
    if (!session)
      throw new NatterError("UNAUTHENTICATED", "Sign in: send `Authorization: Bearer <token>`, or a ticket");
    const afterSeq = parsed.data.lastEventId === undefined ? undefined : Number(parsed.data.lastEventId);
    await this.serve<InboxEntry>(
      req,
      res,
      session,
      (signal, send, opened) => services.inbox.watch(session, afterSeq, signal, send, opened),
      // Not `entry.event` for a shared one: an entry received from another node makes its event when asked (a copy per member).
      (entry) => (entry.shared ? sharedFrame(entry.seq, entry.shared) : this.frame(entry.event, entry.seq)),
    );
  }

  /**
   * Streams what `watch` yields and delivers as Server-Sent Events, under the connection
   * ceilings, until the watch ends, the reader falls behind, the session ends or the server stops.
   */
  private async serve<E>(
    req: IncomingMessage,
    res: ServerResponse,
    session: AuthSession | null,
    watch: (signal: AbortSignal, send: (event: E) => void, opened: () => void) => AsyncGenerator<E, void>,
    frame: (event: E) => string,
  ): Promise<void> {
    const { heartbeatMs, maxBufferedBytes } = this.deps;
    const address = requestClientAddress(req, this.deps.trustedProxies);
    const releaseAddress = this.deps.admission.admitAddress(address);
    if (typeof releaseAddress !== "function") throw new NatterError("RATE_LIMITED", releaseAddress.message);
    const slots = this.deps.admission.subscriptionsOf(session?.userId, address);
    if (!(await slots.take())) {
      releaseAddress();
      throw new NatterError("RATE_LIMITED", slots.refusal);
    }

    const stop = new AbortController();
    let ended = false;
    const endListeners: (() => void)[] = [];
    const end = () => {
      if (ended) return;
      ended = true;
      stop.abort();
      clearInterval(heartbeat);
      this.streams.delete(end);
      slots.release();
      releaseAddress();
      if (res.headersSent) {
        this.stats.open -= 1;
        res.end();
      }
      for (const listener of endListeners) listener();
    };
    let heartbeat: NodeJS.Timeout | undefined;
    this.streams.add(end);
    res.once("close", end);
    // A write to a connection that broke ends the stream; unlistened, it would end the process.
    res.on("error", end);
    // Gone while its caller and slot were being resolved: its close has passed already.
    if (res.closed) return end();
    try {
      if (session) await this.admitSession(session, { ended: () => ended, endListeners, end });
      const write = (chunk: string) => {
        if (ended) return;
        res.write(chunk);
        if (isSlowReader(res.writableLength, maxBufferedBytes, this.stats)) {
          // Nothing more is queued for a reader this far behind; it reconnects with Last-Event-ID.
          end();
          res.destroy();
        }
      };
      const send = (event: E) => {
        if (ended) return;
        this.stats.deliveries += 1;
        write(frame(event));
      };
      let markOpened!: () => void;
      const opened = new Promise<void>((resolve) => {
        markOpened = resolve;
      });
      const events = watch(stop.signal, send, markOpened);
      const first = events.next();
      // Whatever the race below leaves unread is read by `pump`, or dropped with the stream.
      first.catch(() => undefined);
      // Refusals (no such room, a position past the log) come before the stream starts, as a status.
      await Promise.race([opened, first]);
      if (ended || this.closing) {
        end();
        // Ended while it was being set up (the client gone, a log-out, a shutdown): nothing to say.
        res.destroy();
        return;
      }
      res.writeHead(200, {
        ...BASE_HEADERS,
        "Content-Type": "text/event-stream; charset=utf-8",
        "Cache-Control": "no-store",
        // Proxies that buffer responses (nginx) would hold events back.
        "X-Accel-Buffering": "no",
        // A stream's connection goes with it: a reconnection may be sent to another node, and a
        // server shutting down is not handed the next stream on a connection it keeps.
        Connection: "close",
      });
      this.stats.open += 1;
      if (req.method === "HEAD") {
        end();
        return;
      }
      // Flushes the headers, and has EventSource wait a second before reconnecting after an end.
      write("retry: 1000\n\n");
      heartbeat = setInterval(() => write(": heartbeat\n\n"), heartbeatMs);
      heartbeat.unref();
      void this.pump(events, first, send, res).finally(end);
    } catch (error) {
      end();
      throw error;
    }
  }

  /**
   * Writes what the watch yields (catching up from the log) until it ends; live events it
   * delivers itself. Each next entry waits until the response has drained: a backlog goes out
   * as fast as the reader reads it, where writing it all at once (a SQLite read does not
   * yield to the network) passed the slow-reader cap and cut even a fast reader off.
   */
  private async pump<E>(
    events: AsyncGenerator<E, void>,
    first: Promise<IteratorResult<E, void>>,
    send: (event: E) => void,
    res: ServerResponse,
  ): Promise<void> {
    try {
      for (let next = await first; !next.done; next = await events.next()) {
        send(next.value);
        await whenDrained(res);
      }
    } catch {
      // The caller's view ended in a way the log could not tell (the room gone during an
      // overflow): ending the stream has the client reconnect and be told by a status.
    }
  }

  /** The caller: a bearer header's session, a ticket's (redeemed by `redeem`, which refuses a bad one), or anonymous. */
  private async caller(
    req: IncomingMessage,
    ticket: string | undefined,
    redeem: (ticket: string) => Promise<AuthSession>,
  ): Promise<AuthSession | null> {
    const { accounts } = this.deps.services;
    const token = bearerTokenOf(req);
    if (token !== undefined && ticket !== undefined) {
      throw new NatterError("VALIDATION_FAILED", "Input validation failed", {
        issues: [{ path: "ticket", message: "send a bearer token or a ticket, not both" }],
      });
    }
    if (ticket !== undefined) return redeem(ticket);
    if (token === undefined) return null;
    const session = await accounts.authenticate(token);
    // An ended token is told so, never served as anonymous (its closed rooms would seem missing).
    if (!session) throw endedTokenError();
    // The streams of `rooms.events` and `users.events`, with their scope.
    requireScope(session, "messages:read");
    return session;
  }

  /**
   * The event's frame, from its JSON as encoded before (`encodingOf`: a room event's by its
   * first watcher on any transport).
   */
  private frame(event: RoomEvent | InboxEvent, seq: number): string {
    let frame = this.frames.get(event);
    if (frame !== undefined) return frame;
    frame = `id: ${seq}\nevent: ${event.type}\ndata: ${encodingOf(event)}\n\n`;
    this.frames.set(event, frame);
    return frame;
  }
}

/**
 * The stream's position and ticket from its query and `Last-Event-ID` header, for the caller
 * to check as the subscription checks its input. The header wins over the query: EventSource
 * reconnects with the URL it started with, whose `lastEventId` is by then stale.
 */
function parseRequest(req: IncomingMessage, search: string) {
  const query = new URLSearchParams(search);
  const tokenKey = [...query.keys()].find((key) => TOKEN_PARAMETERS.includes(key.toLowerCase()));
  if (tokenKey !== undefined) {
    throw new NatterError("VALIDATION_FAILED", "Input validation failed", {
      issues: [
        {
          path: tokenKey,
          message:
            "a bearer token never goes in a URL: send `Authorization: Bearer <token>`, or a ticket from POST /rooms/{roomId}/events/ticket",
        },
      ],
    });
  }
  const params = refuseQuery(search, ["lastEventId", "ticket"]);
  const header = req.headersDistinct["last-event-id"];
  if (header && header.length > 1) {
    throw new NatterError("VALIDATION_FAILED", "Input validation failed", {
      issues: [{ path: "Last-Event-ID", message: "given more than once" }],
    });
  }
  const lastEventId = header?.[0] || params.get("lastEventId") || undefined;
  return { lastEventId, ticket: params.get("ticket") ?? undefined };
}

/**
 * An inbox entry's frame from its message's shared part (`InboxEntry.shared`): one user's,
 * so not kept.
 */
function sharedFrame(seq: number, shared: SharedEncoding): string {
  return `id: ${seq}\nevent: ${shared.type}\ndata: ${shared.json(seq)}\n\n`;
}
