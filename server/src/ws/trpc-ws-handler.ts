import type { IncomingMessage } from "node:http";
import {
  type AnyRouter,
  callProcedure,
  type Encoder,
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
} from "@trpc/server/unstable-core-do-not-import";
import { WebSocket, type WebSocketServer } from "ws";
import type { RequestContext, TrackedSink } from "../trpc/context.js";

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
 * Generators served here must end when their `signal` aborts (ours do): the loop stops
 * waiting at once, and answers `stopped` when the generator has finished.
 */
export function serveTRPCOverWebSocket(options: TRPCWebSocketHandlerOptions) {
  const { wss, router, encoder } = options;
  const config = router._def._config;
  const frames = new SharedFrames(encoder, config, options.onTrackedEvent);
  /** Subscriptions that have started and not stopped, by procedure path. */
  const streaming = new Map<string, number>();

  wss.on("connection", (socket: WebSocket, req: IncomingMessage) => {
    const subscriptions = new Map<RequestId, AbortController>();
    let ctx: RequestContext | undefined;
    let ctxPromise: Promise<RequestContext | null> | null = null;

    const respond = (message: TRPCResponseMessage) => {
      if (socket.readyState !== WebSocket.OPEN) return;
      socket.send(encoder.encode(transformTRPCResponse(config, message)));
    };
    const errorShape = (cause: unknown, type: ProcedureCallType | "unknown", path?: string, input?: unknown) =>
      getErrorShape({ config, error: getTRPCErrorFromUnknown(cause), type, path, input, ctx });
    const respondError = (id: RequestId | null, jsonrpc: "2.0" | undefined, cause: unknown, path?: string) =>
      respond({ id, jsonrpc, error: errorShape(cause, "unknown", path) } as TRPCResponseMessage);

    const createContext = (connectionParams: () => ConnectionParams) => {
      ctxPromise = (async () => {
        try {
          ctx = await options.createContext({ req, res: socket, connectionParams: connectionParams() });
          return ctx;
        } catch (cause) {
          respondError(null, undefined, cause);
          setImmediate(() => socket.close());
          return null;
        }
      })();
    };
    if (new URL(req.url ?? "/", "http://localhost").searchParams.get("connectionParams") !== "1") {
      createContext(() => null);
    }

    const handleCall = async (message: TRPCClientOutgoingMessage, batchIndex: number) => {
      const { id, jsonrpc } = message;
      if (id === null) {
        respondError(id, jsonrpc, new TRPCError({ code: "PARSE_ERROR", message: "`id` is required" }));
        return;
      }
      if (message.method === "subscription.stop") {
        subscriptions.get(id)?.abort();
        return;
      }
      const { path, lastEventId } = message.params;
      const type = message.method;
      let { input } = message.params;
      if (lastEventId !== undefined) {
        input = isObject(input) ? { ...input, lastEventId } : (input ?? { lastEventId });
      }
      if (type === "subscription" && subscriptions.has(id)) {
        respondError(id, jsonrpc, new TRPCError({ code: "BAD_REQUEST", message: `Duplicate id ${id}` }), path);
        return;
      }
      const stop = new AbortController();
      if (type === "subscription") subscriptions.set(id, stop);
      const respondCallError = (cause: unknown) =>
        respond({ id, jsonrpc, error: errorShape(cause, type, path, input) } as TRPCResponseMessage);
      try {
        const callCtx = await ctxPromise;
        if (!callCtx || stop.signal.aborted) return;
        if (type === "subscription" && socket.readyState !== WebSocket.OPEN) return;
        let result: unknown;
        try {
          result = await callProcedure({
            router,
            path,
            getRawInput: async () => input,
            ctx: type === "subscription" ? { ...callCtx, live: frames.sink(socket, id, jsonrpc) } : callCtx,
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
            respond({ id, jsonrpc, result: { type: "data", data: result } });
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
          if (!stop.signal.aborted) respondCallError(cause);
          if (type !== "subscription" || !stop.signal.aborted) return;
          respond({ id, jsonrpc, result: { type: "stopped" } });
          return;
        }
        const iterator = result[Symbol.asyncIterator]();
        if (stop.signal.aborted || socket.readyState !== WebSocket.OPEN) {
          stop.abort();
          await iterator.return?.();
          return;
        }
        respond({ id, jsonrpc, result: { type: "started" } });
        streaming.set(path, (streaming.get(path) ?? 0) + 1);
        try {
          await pump(iterator, stop.signal, (value) => {
            if (isTrackedEnvelope(value)) {
              options.onTrackedEvent();
              const [eventId, data] = value;
              // Keys in the order tRPC's adapter writes them, which the shared encoder recognises.
              respond({ id, jsonrpc, result: { type: "data", data: { id: eventId, data }, id: eventId } as never });
            } else respond({ id, jsonrpc, result: { type: "data", data: value } });
          });
        } catch (cause) {
          stop.abort();
          respondCallError(cause);
        } finally {
          streaming.set(path, (streaming.get(path) ?? 1) - 1);
        }
        respond({ id, jsonrpc, result: { type: "stopped" } });
      } finally {
        if (subscriptions.get(id) === stop) subscriptions.delete(id);
      }
    };

    socket.on("message", (data: Buffer, isBinary: boolean) => {
      const text = data.toString("utf8");
      if (!isBinary) {
        if (text === "PONG") return;
        if (text === "PING") {
          socket.send("PONG");
          return;
        }
      }
      if (!ctxPromise) {
        createContext(() => {
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
          parseTRPCMessage(raw, config.transformer),
        );
      } catch (cause) {
        respondError(null, undefined, new TRPCError({ code: "PARSE_ERROR", cause }));
        return;
      }
      for (const [index, message] of messages.entries()) {
        handleCall(message, index).catch((cause: unknown) => respondError(message.id, message.jsonrpc, cause));
      }
    });

    keepAlive(socket, options.keepAlive.pingMs, options.keepAlive.pongWaitMs);
    // A protocol error (an oversized or malformed frame) is answered by ws itself, closing the
    // socket with the matching code; without a listener it would crash the process.
    socket.on("error", () => undefined);
    socket.once("close", () => {
      for (const stop of subscriptions.values()) stop.abort();
      subscriptions.clear();
    });
  });

  return {
    /** Subscriptions to the procedure at `path` that are streaming now, over every socket. */
    streamingCount(path: string): number {
      return streaming.get(path) ?? 0;
    },
    /** Tells every client to reconnect (the wsLink reconnect notification), for a restart. */
    broadcastReconnectNotification(): void {
      const data = encoder.encode({ id: null, method: "reconnect" });
      for (const client of wss.clients) if (client.readyState === WebSocket.OPEN) client.send(data);
    },
  };
}

/**
 * Feeds `onValue` each value of `iterator` until it is done or `signal` aborts. An abort
 * stops the waiting at once; the generator, which watches the same signal, is then awaited
 * to its end so that its `finally` blocks have run before the caller says `stopped`.
 */
async function pump(
  iterator: AsyncIterator<unknown>,
  signal: AbortSignal,
  onValue: (value: unknown) => void,
): Promise<void> {
  let wake: ((result: IteratorResult<unknown> | null) => void) | null = null;
  const onAbort = () => wake?.(null);
  signal.addEventListener("abort", onAbort, { once: true });
  try {
    while (!signal.aborted) {
      // One small promise per value, resolved by whichever comes first; no listener piles up.
      const next = await new Promise<IteratorResult<unknown> | null>((resolve, reject) => {
        wake = resolve;
        iterator.next().then(resolve, (cause: unknown) => (signal.aborted ? resolve(null) : reject(cause)));
      });
      wake = null;
      if (next === null) break;
      if (next.done) return;
      onValue(next.value);
    }
    await iterator.return?.().catch(() => undefined);
  } finally {
    signal.removeEventListener("abort", onAbort);
  }
}

/**
 * The frames of tracked subscription messages, built once per (event, envelope) and shared:
 * a thousand watchers of one room with the same subscription id get the same Buffer.
 * Keyed by the event object, which every local listener of the bus receives as one.
 */
class SharedFrames {
  private readonly byEvent = new WeakMap<object, Map<string, { eventId: string; frame: Buffer }>>();

  constructor(
    private readonly encoder: Encoder,
    private readonly config: AnyRouter["_def"]["_config"],
    private readonly onSent: () => void,
  ) {}

  /** The live sink of subscription `id` on `socket`. */
  sink(socket: WebSocket, id: RequestId, jsonrpc: "2.0" | undefined): TrackedSink {
    const envelope = `${typeof id}:${id}:${jsonrpc ?? ""}`;
    return {
      send: (eventId, data) => {
        if (socket.readyState !== WebSocket.OPEN) return false;
        socket.send(this.frame(envelope, id, jsonrpc, eventId, data), TEXT_FRAME);
        this.onSent();
        return true;
      },
    };
  }

  private frame(envelope: string, id: RequestId, jsonrpc: "2.0" | undefined, eventId: string, data: object): Buffer {
    let frames = this.byEvent.get(data);
    if (!frames) {
      frames = new Map();
      this.byEvent.set(data, frames);
    }
    const cached = frames.get(envelope);
    if (cached && cached.eventId === eventId) return cached.frame;
    const message = { id, jsonrpc, result: { type: "data", data: { id: eventId, data }, id: eventId } };
    const frame = Buffer.from(this.encoder.encode(transformTRPCResponse(this.config, message as never)));
    frames.set(envelope, { eventId, frame });
    return frame;
  }
}

const TEXT_FRAME = { binary: false } as const;

/** Pings a connection after `pingMs` of quiet and cuts it off if nothing comes back in `pongWaitMs`. */
function keepAlive(socket: WebSocket, pingMs: number, pongWaitMs: number): void {
  let timer: NodeJS.Timeout | undefined;
  const arm = () => {
    timer = setTimeout(() => {
      if (socket.readyState !== WebSocket.OPEN) return;
      socket.send("PING");
      timer = setTimeout(() => socket.terminate(), pongWaitMs);
    }, pingMs);
  };
  socket.on("message", () => {
    clearTimeout(timer);
    arm();
  });
  socket.once("close", () => clearTimeout(timer));
  arm();
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
