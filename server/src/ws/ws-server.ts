import type { IncomingMessage, Server } from "node:http";
import type { Duplex } from "node:stream";
import { LIMITS, WS_CLOSE_CODES } from "@natter/shared";
import type { Logger } from "pino";
import { WebSocket, WebSocketServer } from "ws";
import type { AuthSession } from "../auth/auth-session.js";
import type { Config } from "../config/config.js";
import type { LiveAdmission } from "../live/live-admission.js";
import type { SessionBoundConnection } from "../live/session-connections.js";
import { isOriginAllowed } from "../origin/origin-policy.js";
import { requestClientAddress } from "../rate-limit/client-address.js";
import type { AppRouter } from "../routers/app-router.js";
import type { Services } from "../services/services.js";
import type { RequestContext, SubscriptionSlots } from "../trpc/context.js";
import { createSharedEventEncoder } from "./event-encoder.js";
import { guardedWebSocketClass, type WebSocketStats } from "./guarded-socket.js";
import { serveTRPCOverWebSocket } from "./trpc-ws-handler.js";

export interface WebSocketServerDeps {
  httpServer: Server;
  router: AppRouter;
  services: Services;
  config: Config;
  logger: Logger;
  path: string;
  /** Admits each socket as a live connection, as the other live transports are (ceilings, session end). */
  admission: LiveAdmission;
}

/**
 * The tRPC WebSocket endpoint, upgraded from the HTTP server at `path`. Safe by default:
 * browser origins outside the allowlist are refused, messages are capped in size (closed
 * with `messageTooBig`) and rate (`rateLimited`), quiet peers are pinged and cut off when
 * they do not answer, slow readers are dropped (`slowReader`), sockets close when their
 * session ends (`sessionEnded`), and connections and subscriptions per client address and
 * per account are capped (`tooManyConnections`, RATE_LIMITED).
 */
export function attachWebSocketServer(deps: WebSocketServerDeps) {
  const { httpServer, router, services, config, logger, path, admission } = deps;
  const stats: WebSocketStats = { maxBufferedBytes: 0, slowReadersDropped: 0, rateLimited: 0, deliveries: 0 };
  /** The subscription counters of the open connections, summed for the subscriptions metric. */
  const slotsOf = new WeakMap<WebSocket, SubscriptionSlots>();
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: LIMITS.maxWebSocketMessageBytes,
    WebSocket: guardedWebSocketClass({
      maxBufferedBytes: config.wsMaxBufferedBytes,
      messagesPerSecond: config.wsMessagesPerSecond,
      messageBurst: config.wsMessageBurst,
      stats,
      onClosed: (reason) => logger.warn({ reason }, "websocket closed by its guard"),
    }),
  });

  const handler = serveTRPCOverWebSocket({
    wss,
    router,
    keepAlive: { pingMs: config.wsPingMs, pongWaitMs: config.wsPongWaitMs },
    encoder: createSharedEventEncoder(),
    onTrackedEvent: () => {
      stats.deliveries += 1;
    },
    createContext: async ({ req, res, connectionParams }): Promise<RequestContext> => {
      const clientAddress = requestClientAddress(req, config.trustedProxies);
      const subscriptions: SubscriptionSlots = { open: 0 };
      slotsOf.set(res, subscriptions);
      const context = (session: AuthSession | null): RequestContext => {
        subscriptions.shared = admission.subscriptionsOf(session?.userId, clientAddress);
        return {
          session,
          transport: "ws",
          clientAddress,
          writeLimits: services.writeLimits,
          isServerAdmin: (userId) => services.accounts.isServerAdmin(userId),
          subscriptions,
        };
      };
      const token = connectionParams?.token;
      const session = token ? await services.accounts.authenticate(token) : null;
      if (session) {
        const refusal = await admission.admitSession(session, sessionBound(res));
        if (!refusal) return context(session);
        if (refusal.refused === "tooManyConnections") {
          res.close(WS_CLOSE_CODES.tooManyConnections, "too many connections for this account");
          return context(null);
        }
      }
      // A token that has ended is told so as an ending session is, never taken as anonymous.
      if (token) res.close(WS_CLOSE_CODES.sessionEnded, "session ended");
      return context(null);
    },
  });

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const pathname = new URL(req.url ?? "/", "http://localhost").pathname;
    if (pathname !== path) return rejectUpgrade(socket, 404, "Not Found");
    if (!isOriginAllowed(req.headers.origin, req.headers.host, config.allowedOrigins)) {
      logger.warn({ origin: req.headers.origin }, "websocket origin refused");
      return rejectUpgrade(socket, 403, "Forbidden");
    }
    const address = requestClientAddress(req, config.trustedProxies);
    wss.handleUpgrade(req, socket, head, (ws) => {
      // Refused after the upgrade, so that browsers, which never see an upgrade's status, see why.
      const release = admission.admitAddress(address);
      if (typeof release !== "function") {
        return ws.close(WS_CLOSE_CODES.tooManyConnections, "too many connections from this address");
      }
      ws.on("close", release);
      wss.emit("connection", ws, req);
    });
  };
  httpServer.on("upgrade", onUpgrade);

  return {
    /** What the guards have seen so far. */
    stats(): Readonly<WebSocketStats> {
      return { ...stats };
    },
    /** Open WebSocket connections. */
    connections(): number {
      return wss.clients.size;
    },
    /** Live subscriptions to a room's events (`rooms.events`) over all open connections. */
    watchers(): number {
      return handler.streamingCount("rooms.events");
    },
    /** Live subscriptions over all open connections. */
    subscriptions(): number {
      let open = 0;
      for (const client of wss.clients) open += slotsOf.get(client)?.open ?? 0;
      return open;
    },
    /** Tells clients to reconnect elsewhere, then closes every socket. */
    close(): Promise<void> {
      httpServer.off("upgrade", onUpgrade);
      handler.broadcastReconnectNotification();
      for (const client of wss.clients) client.close(WS_CLOSE_CODES.goingAway, "server shutting down");
      return new Promise((resolve) => wss.close(() => resolve()));
    },
    /** Cuts every socket at once, without waiting for the clients to answer the close. */
    terminate(): void {
      for (const client of wss.clients) client.terminate();
    },
  };
}

/** A socket as its session sees it: closed with `sessionEnded` when the session ends. */
function sessionBound(socket: WebSocket): SessionBoundConnection {
  return {
    get ended() {
      return socket.readyState === WebSocket.CLOSED;
    },
    // `close` fires once: `on` spares the wrapper `once` makes per socket.
    onEnd: (listener) => socket.on("close", listener),
    endSession: () => socket.close(WS_CLOSE_CODES.sessionEnded, "session ended"),
  };
}

function rejectUpgrade(socket: Duplex, status: number, reason: string): void {
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}
