import type { IncomingMessage } from "node:http";
import type { Encoder } from "@trpc/server/adapters/ws";
import { WebSocket, type WebSocketServer } from "ws";
import { encodingOf, type SharedEncoding } from "../events/encoded-events.js";
import { isPushStream, type StreamSink } from "../events/push-stream.js";
import { type DrainableStream, whenDrained } from "../live/when-drained.js";
import type { RequestContext, TrackedSink } from "../trpc/context.js";
import {
  type AnyRouter,
  callProcedure,
  getErrorShape,
  getTRPCErrorFromUnknown,
  isAsyncIterable,
  isTrackedEnvelope,
  parseConnectionParamsFromUnknown,
  parseTRPCMessage,
  type TRPCClientOutgoingMessage,
  TRPCError,
  type TRPCResponseMessage,
  transformTRPCResponse,
} from "../trpc/procedure-core.js";
import { StopSignal } from "../trpc/stop-signal.js";
import { trackedMessageJson, trackedMessagePrefix, writeSplicedTrackedFrame } from "./event-encoder.js";
import { sendTextFrame } from "./guarded-socket.js";
import { type TextFrame, textFrame } from "./text-frame.js";

type ConnectionParams = Record<string, string | undefined> | null;
type ProcedureCallType = "query" | "mutation" | "subscription";
type RequestId = string | number;

export interface TRPCWebSocketHandlerOptions {
  wss: WebSocketServer;
  router: AnyRouter;
  /** Builds the context of one connection, once its connection params (if any) have arrived. */
  createContext(opts: {
    req: IncomingMessage;
    res: WebSocket;
    connectionParams: ConnectionParams;
  }): Promise<RequestContext>;
  /** A connection quiet for `pingMs` is sent "PING", and cut off if nothing arrives within `pongWaitMs`. */
  keepAlive: { pingMs: number; pongWaitMs: number };
  /** Turns replies into text frames; the generic path and the live path share it. */
  encoder: Encoder;
  /** Told of each tracked event sent to a subscriber, either way (the deliveries metric). */
  onTrackedEvent(): void;
}

/**
 * Serves a tRPC router over WebSocket with exactly the protocol of `@trpc/client`'s `wsLink`
 * (the one `@trpc/server/adapters/ws` speaks in tRPC 11.25): connection params, queries,
 * mutations, subscriptions with `started` / `data` / `stopped`, `subscription.stop`, tracked
 * events and `lastEventId`, batches, PING/PONG and the reconnect notification. Every call
 * runs through tRPC's own `callProcedure`, so middlewares, input validation and the error
 * formatter apply as on HTTP.
 *
 * What it adds over tRPC's adapter: each subscription call gets `ctx.live`, a sink that
 * writes a tracked event straight to the socket, framed once per (event, envelope) and
 * shared by every socket with that envelope. A subscription that has caught up delivers
 * through it instead of yielding, so a live event costs a Buffer write per watcher rather
 * than a trip through an async-iterator chain. Everything it yields still goes out in order.
 *
 * Generators served here must end when their `signal` aborts (ours do): `stopped` is
 * answered when the generator has finished, never while it may still be running.
 */
export function serveTRPCOverWebSocket(options: TRPCWebSocketHandlerOptions) {
  const { wss, encoder } = options;
  const handler = new Handler(options);
  wss.on("connection", (socket: WebSocket, req: IncomingMessage) => handler.connect(socket, req));
  return {
    /** Subscriptions to the procedure at `path` that are streaming now, over every socket. */
    streamingCount(path: string): number {
      return handler.streamingCount(path);
    },
    /** Tells every client to reconnect (the wsLink reconnect notification), for a restart. */
    broadcastReconnectNotification(): void {
      const data = encoder.encode({ id: null, method: "reconnect" });
      for (const client of wss.clients) if (client.readyState === WebSocket.OPEN) client.send(data);
    },
  };
}

/**
 * What every connection of one endpoint shares: the router, the shared frames, and ONE
 * keep-alive timer sweeping all connections (a timer per socket would cost each idle
 * socket a Timeout and its closures). A PING goes out within a quarter of the shorter of
 * the two waits after it is due, and so does the cut-off.
 */
class Handler {
  readonly config: AnyRouter["_def"]["_config"];
  readonly frames: SharedFrames;
  private readonly connections = new Set<Connection>();
  /** Subscriptions that have started and not stopped, by procedure path. */
  private readonly streaming = new Map<string, number>();

  constructor(readonly options: TRPCWebSocketHandlerOptions) {
    this.config = options.router._def._config;
    this.frames = new SharedFrames(options.encoder, this.config, options.onTrackedEvent);
    const { pingMs, pongWaitMs } = options.keepAlive;
    const timer = setInterval(() => this.sweep(), Math.max(1, Math.min(pingMs, pongWaitMs) / 4));
    timer.unref();
    options.wss.once("close", () => clearInterval(timer));
  }

  streamingCount(path: string): number {
    return this.streaming.get(path) ?? 0;
  }

  /** Counts a subscription at `path` that started (+1) or stopped (-1). */
  countStream(path: string, change: 1 | -1): void {
    this.streaming.set(path, (this.streaming.get(path) ?? 0) + change);
  }

  connect(socket: WebSocket, req: IncomingMessage): void {
    const connection = new Connection(this, socket, req);
    this.connections.add(connection);
    socket.on("close", () => {
      this.connections.delete(connection);
      connection.closed();
    });
  }

  private sweep(): void {
    const { pingMs, pongWaitMs } = this.options.keepAlive;
    const now = performance.now();
    for (const connection of this.connections) {
      const { socket } = connection;
      if (socket.readyState !== WebSocket.OPEN) continue;
      if (connection.pingedAt === 0) {
        if (now - connection.heardAt < pingMs) continue;
        connection.pingedAt = now;
        socket.send("PING");
      } else if (now - connection.pingedAt >= pongWaitMs) socket.terminate();
    }
  }
}

/**
 * One WebSocket connection: its context, its subscriptions and its keep-alive clock. State
 * lives in fields and behaviour in methods, not in closures made per connection, since an
 * idle connection's memory is mostly what it keeps.
 */
class Connection {
  /** The `performance.now()` of the last message heard, and of the PING sent since (0: none). */
  heardAt = performance.now();
  pingedAt = 0;
  /** Open subscriptions by request id; made with the first. */
  private subscriptions: Map<RequestId, StopSignal> | null = null;
  private ctx: RequestContext | undefined;
  /**
   * The context being built; dropped once it is (then `ctx` holds it, or nothing if it
   * failed), since a settled promise keeps every call that awaited it reachable.
   */
  private ctxPromise: Promise<RequestContext | null> | null = null;
  /** Kept only until the context is built from it: it holds the handshake's headers; null once building began. */
  private req: IncomingMessage | null;

  constructor(
    private readonly handler: Handler,
    readonly socket: WebSocket,
    req: IncomingMessage,
  ) {
    this.req = req;
    socket.on("message", this.onMessage);
    // A protocol error (an oversized or malformed frame) is answered by ws itself, closing the
    // socket with the matching code; without a listener it would crash the process.
    socket.on("error", ignoreError);
    if (new URL(req.url ?? "/", "http://localhost").searchParams.get("connectionParams") !== "1") {
      this.createContext(() => null);
    }
  }

  /** Ends every subscription of a connection that has closed. */
  closed(): void {
    if (!this.subscriptions) return;
    for (const stop of this.subscriptions.values()) stop.abort();
    this.subscriptions.clear();
  }

  respond(message: TRPCResponseMessage): void {
    if (this.socket.readyState !== WebSocket.OPEN) return;
    const { encoder } = this.handler.options;
    this.socket.send(encoder.encode(transformTRPCResponse(this.handler.config, message)));
  }

  respondError(
    id: RequestId | null,
    jsonrpc: "2.0" | undefined,
    cause: unknown,
    type: ProcedureCallType | "unknown" = "unknown",
    path?: string,
    input?: unknown,
  ): void {
    const error = getErrorShape({
      config: this.handler.config,
      error: getTRPCErrorFromUnknown(cause),
      type,
      path,
      input,
      ctx: this.ctx,
    });
    this.respond({ id, jsonrpc, error } as TRPCResponseMessage);
  }

  /** Sends one value a subscription yielded. */
  sendValue(id: RequestId, jsonrpc: "2.0" | undefined, value: unknown): void {
    if (isTrackedEnvelope(value)) {
      this.handler.options.onTrackedEvent();
      const [eventId, data] = value;
      // Keys in the order tRPC's adapter writes them, which the shared encoder recognises.
      this.respond({ id, jsonrpc, result: { type: "data", data: { id: eventId, data }, id: eventId } as never });
    } else this.respond({ id, jsonrpc, result: { type: "data", data: value } });
  }

  /**
   * Resolves once the socket has written out what it buffered (or closed); undefined when it
   * takes more now. A subscription's catch-up waits on it between values, so a backlog goes
   * out as fast as the peer reads it instead of passing the slow-reader cap at once.
   */
  drained(): Promise<void> | undefined {
    const tcp = (this.socket as unknown as { _socket?: DrainableStream })._socket;
    return tcp && this.socket.readyState === WebSocket.OPEN ? whenDrained(tcp) : undefined;
  }

  /** A subscription at `path` that had started has stopped. */
  streamStopped(path: string): void {
    this.handler.countStream(path, -1);
  }

  /** Forgets a subscription that has ended. */
  forget(id: RequestId, stop: StopSignal): void {
    if (this.subscriptions?.get(id) === stop) this.subscriptions.delete(id);
  }

  private readonly onMessage = (data: Buffer, isBinary: boolean): void => {
    this.heardAt = performance.now();
    this.pingedAt = 0;
    const text = data.toString("utf8");
    if (!isBinary) {
      if (text === "PONG") return;
      if (text === "PING") {
        this.socket.send("PONG");
        return;
      }
    }
    const { encoder } = this.handler.options;
    if (this.req) {
      this.createContext(() => {
        let message: unknown;
        try {
          message = encoder.decode(text);
          if (!isObject(message)) throw new Error("Message was not an object");
        } catch (cause) {
          throw new TRPCError({ code: "PARSE_ERROR", message: "Malformed TRPCConnectionParamsMessage", cause });
        }
        return parseConnectionParamsFromUnknown(message.data);
      });
      return;
    }
    let messages: TRPCClientOutgoingMessage[];
    try {
      const decoded: unknown = encoder.decode(text);
      messages = (Array.isArray(decoded) ? decoded : [decoded]).map((raw) =>
        parseTRPCMessage(raw, this.handler.config.transformer),
      );
    } catch (cause) {
      this.respondError(null, undefined, new TRPCError({ code: "PARSE_ERROR", cause }));
      return;
    }
    for (const [index, message] of messages.entries()) {
      this.call(message, index).catch((cause: unknown) => this.respondError(message.id, message.jsonrpc, cause));
    }
  };

  private createContext(connectionParams: () => ConnectionParams): void {
    const req = this.req as IncomingMessage;
    this.req = null;
    const building = (async () => {
      try {
        this.ctx = await this.handler.options.createContext({
          req,
          res: this.socket,
          connectionParams: connectionParams(),
        });
        return this.ctx;
      } catch (cause) {
        this.respondError(null, undefined, cause);
        setImmediate(() => this.socket.close());
        return null;
      }
    })();
    this.ctxPromise = building;
    void building.then(() => {
      this.ctxPromise = null;
    });
  }

  private async call(message: TRPCClientOutgoingMessage, batchIndex: number): Promise<void> {
    const { id, jsonrpc } = message;
    if (id === null) {
      this.respondError(id, jsonrpc, new TRPCError({ code: "PARSE_ERROR", message: "`id` is required" }));
      return;
    }
    if (message.method === "subscription.stop") {
      this.subscriptions?.get(id)?.abort();
      return;
    }
    const { path, lastEventId } = message.params;
    const type = message.method;
    let { input } = message.params;
    if (lastEventId !== undefined) {
      input = isObject(input) ? { ...input, lastEventId } : (input ?? { lastEventId });
    }
    if (type === "subscription" && this.subscriptions?.has(id)) {
      this.respondError(id, jsonrpc, new TRPCError({ code: "BAD_REQUEST", message: `Duplicate id ${id}` }), type, path);
      return;
    }
    const stop = new StopSignal();
    if (type === "subscription") {
      this.subscriptions ??= new Map();
      this.subscriptions.set(id, stop);
    }
    let pumping = false;
    try {
      const callCtx = this.ctxPromise ? await this.ctxPromise : (this.ctx ?? null);
      if (!callCtx) return;
      // Stopped before it was set up: told `stopped` all the same, as tRPC's adapter tells it.
      if (stop.aborted) return this.respond({ id, jsonrpc, result: { type: "stopped" } });
      if (type === "subscription" && this.socket.readyState !== WebSocket.OPEN) return;
      let result: unknown;
      try {
        result = await callProcedure({
          router: this.handler.options.router,
          path,
          getRawInput: async () => input,
          ctx:
            type === "subscription"
              ? { ...callCtx, live: this.handler.frames.sink(this.socket, id, jsonrpc) }
              : callCtx,
          type,
          signal: stop.signal,
          batchIndex,
        });
        if (type !== "subscription") {
          if (isAsyncIterable(result)) {
            throw new TRPCError({
              code: "UNSUPPORTED_MEDIA_TYPE",
              message: `Cannot return an async iterable from a ${type} procedure with WebSockets`,
            });
          }
          this.respond({ id, jsonrpc, result: { type: "data", data: result } });
          return;
        }
        if (!isAsyncIterable(result)) {
          throw new TRPCError({
            code: "INTERNAL_SERVER_ERROR",
            message: `Subscription ${path} did not return an AsyncGenerator`,
          });
        }
      } catch (cause) {
        // A subscription stopped while it was being set up ends quietly.
        if (!stop.aborted) this.respondError(id, jsonrpc, cause, type, path, input);
        if (type !== "subscription" || !stop.aborted) return;
        this.respond({ id, jsonrpc, result: { type: "stopped" } });
        return;
      }
      if (stop.aborted || this.socket.readyState !== WebSocket.OPEN) {
        stop.abort();
        await result[Symbol.asyncIterator]().return?.();
        return this.respond({ id, jsonrpc, result: { type: "stopped" } });
      }
      this.respond({ id, jsonrpc, result: { type: "started" } });
      this.handler.countStream(path, 1);
      pumping = true;
      const pump = new SubscriptionPump(this, id, jsonrpc, stop, path, input);
      if (isPushStream(result)) result.pushTo(pump);
      else pump.pull(result[Symbol.asyncIterator]());
    } finally {
      if (!pumping) this.forget(id, stop);
    }
  }
}

/**
 * Sends each value of one subscription until it ends, then `stopped`. A stream that can be
 * pushed (`PushStream`) calls it back; any other is pulled through its iterator's promises
 * rather than by an async function, so a subscription waiting for its next value holds one
 * pending promise, not a suspended frame per level.
 *
 * A stopped subscription (its signal aborted) ends with its generator, which watches the
 * same signal: what it still yields is dropped, and `stopped` follows its end, so that its
 * `finally` blocks have run before the client hears it.
 */
class SubscriptionPump implements StreamSink<unknown> {
  constructor(
    private readonly connection: Connection,
    private readonly id: RequestId,
    private readonly jsonrpc: "2.0" | undefined,
    private readonly stop: StopSignal,
    /** The call, for the error shape of a failure. */
    private readonly path: string,
    private readonly input: unknown,
  ) {}

  /** Pulls the iterator's values until it is done. */
  pull(iterator: AsyncIterator<unknown>): void {
    iterator.next().then(
      (next) => {
        if (next.done) this.end();
        else if (this.stop.aborted) {
          iterator.return?.().then(
            () => this.end(),
            () => this.end(),
          );
        } else {
          const held = this.value(next.value);
          if (held) void held.then(() => this.pull(iterator));
          else this.pull(iterator);
        }
      },
      (cause: unknown) => this.fail(cause),
    );
  }

  /** Sends a value; while the socket is full, answers when it has drained. */
  value(value: unknown): Promise<void> | undefined {
    if (this.stop.aborted) return undefined;
    this.connection.sendValue(this.id, this.jsonrpc, value);
    return this.connection.drained();
  }

  fail(cause: unknown): void {
    if (!this.stop.aborted) {
      this.stop.abort();
      this.connection.respondError(this.id, this.jsonrpc, cause, "subscription", this.path, this.input);
    }
    this.end();
  }

  end(): void {
    this.connection.streamStopped(this.path);
    this.connection.respond({ id: this.id, jsonrpc: this.jsonrpc, result: { type: "stopped" } });
    this.connection.forget(this.id, this.stop);
  }
}

/**
 * The frames of tracked subscription messages, built once per (event, envelope) and shared:
 * a thousand watchers of one room with the same subscription id get the same Buffer.
 * An event's watchers get it one after another, so the frame built last answers most; an
 * event is kept by its object (every local listener of the bus receives it as one) only once
 * it goes out with a second envelope. An inbox entry, one user's, is framed from its
 * message's shared bytes around its own seq, in a frame the message lends to its members one
 * after another (`writeSplicedTrackedFrame`); nothing of it is kept here.
 */
class SharedFrames {
  private readonly byEvent = new WeakMap<object, Map<string, { eventId: string; frame: TextFrame }>>();
  /** The frame built or found last, and what it is the frame of. */
  private last: {
    data: object;
    id: RequestId;
    jsonrpc: "2.0" | undefined;
    eventId: string;
    envelope: string;
    frame: TextFrame;
  } | null = null;
  /**
   * The JSON of the event framed last: its watchers get it one after another, and those with
   * other envelopes (subscription ids differ between clients) reuse it instead of encoding it again.
   */
  private lastJson: { data: object; json: string } | null = null;
  /** Whether the router's transformer leaves outputs as they are (natter sets none): frames are then written directly. */
  private readonly plainOutput: boolean;

  constructor(
    private readonly encoder: Encoder,
    private readonly config: AnyRouter["_def"]["_config"],
    private readonly onSent: () => void,
  ) {
    const probe = {};
    this.plainOutput = config.transformer.output.serialize(probe) === probe;
  }

  /** The live sink of subscription `id` on `socket`. */
  sink(socket: WebSocket, id: RequestId, jsonrpc: "2.0" | undefined): TrackedSink {
    return new LiveSink(this, socket, id, jsonrpc);
  }

  /** Sends the frame of a tracked event to one subscription's socket; false when it can no longer take it. */
  send(sink: LiveSink, eventId: string, data: object): boolean {
    if (sink.socket.readyState !== WebSocket.OPEN) return false;
    this.write(sink.socket, this.frame(sink, eventId, data));
    return true;
  }

  /**
   * `send` of the event whose JSON is `shared.json(seq)`: an event of one subscriber's (an
   * inbox entry) is framed from its shared part's bytes, and not kept; through a transformer,
   * from the event it parses to.
   */
  sendShared(sink: LiveSink, seq: string, shared: SharedEncoding): boolean {
    if (!this.plainOutput) return this.send(sink, seq, shared.event(Number(seq)));
    if (sink.socket.readyState !== WebSocket.OPEN) return false;
    writeSplicedTrackedFrame(sink.prefix(), seq, shared, sink.socket, sendTextFrame);
    this.onSent();
    return true;
  }

  private write(socket: WebSocket, frame: TextFrame): void {
    sendTextFrame(socket, frame);
    this.onSent();
  }

  private frame(sink: LiveSink, eventId: string, data: object): TextFrame {
    const { id, jsonrpc } = sink;
    const last = this.last;
    const sameEvent = last !== null && last.data === data;
    if (sameEvent && last.id === id && last.jsonrpc === jsonrpc && last.eventId === eventId) return last.frame;
    const envelope = `${typeof id}:${id}:${jsonrpc ?? ""}`;
    let frames = this.byEvent.get(data);
    let cached = frames?.get(envelope);
    if (!cached || cached.eventId !== eventId) {
      cached = { eventId, frame: this.build(id, jsonrpc, eventId, data) };
      if (sameEvent && !frames) {
        // A second envelope for the event: keep its frames from now on.
        frames = new Map([[last.envelope, { eventId: last.eventId, frame: last.frame }]]);
        this.byEvent.set(data, frames);
      }
      frames?.set(envelope, cached);
    }
    this.last = { data, id, jsonrpc, eventId, envelope, frame: cached.frame };
    return cached.frame;
  }

  private build(id: RequestId, jsonrpc: "2.0" | undefined, eventId: string, data: object): TextFrame {
    if (this.plainOutput) return textFrame(trackedMessageJson(id, jsonrpc, eventId, this.jsonOf(data)));
    const message = { id, jsonrpc, result: { type: "data", data: { id: eventId, data }, id: eventId } };
    const encoded = this.encoder.encode(transformTRPCResponse(this.config, message as never));
    return textFrame(typeof encoded === "string" ? encoded : Buffer.from(encoded).toString("utf8"));
  }

  private jsonOf(data: object): string {
    if (this.lastJson?.data !== data) this.lastJson = { data, json: encodingOf(data) };
    return this.lastJson.json;
  }
}

/** One subscription's way to the socket: a few fields, no closures. */
class LiveSink implements TrackedSink {
  /** How this subscription's tracked messages begin, made with its first spliced frame. */
  private opening: Buffer | undefined;

  constructor(
    private readonly frames: SharedFrames,
    readonly socket: WebSocket,
    readonly id: RequestId,
    readonly jsonrpc: "2.0" | undefined,
  ) {}

  send(eventId: string, data: object): boolean {
    return this.frames.send(this, eventId, data);
  }

  sendShared(seq: string, shared: SharedEncoding): boolean {
    return this.frames.sendShared(this, seq, shared);
  }

  /** `trackedMessagePrefix` of this subscription. */
  prefix(): Buffer {
    this.opening ??= trackedMessagePrefix(this.id, this.jsonrpc);
    return this.opening;
  }
}

function ignoreError(): void {}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
