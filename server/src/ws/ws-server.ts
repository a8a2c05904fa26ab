import type { IncomingMessage, Server } from "node:http";
import type { Duplex } from "node:stream";
import { LIMITS, WS_CLOSE_CODES } from "@natter/shared";
import type { Logger } from "pino";
import { WebSocketServer } from "ws";
import type { AuthSession } from "../auth/auth-session.js";
import type { SessionRevocations } from "../auth/session-revocations.js";
import type { Clock } from "../clock/clock.js";
import type { Config } from "../config/config.js";
import { isOriginAllowed } from "../origin/origin-policy.js";
import { clientAddressKey } from "../rate-limit/client-address.js";
import type { AppRouter } from "../routers/app-router.js";
import type { Services } from "../services/services.js";
import type { RequestContext, SubscriptionSlots } from "../trpc/context.js";
import { type AccountSlotCounters, ConnectionCeilings } from "./connection-ceilings.js";
import { createSharedEventEncoder } from "./event-encoder.js";
import { guardedWebSocketClass, type WebSocketStats } from "./guarded-socket.js";
import { SessionSockets } from "./session-sockets.js";
import { serveTRPCOverWebSocket } from "./trpc-ws-handler.js";

export interface WebSocketServerDeps {
  httpServer: Server;
  router: AppRouter;
  services: Services;
  config: Config;
  clock: Clock;
  logger: Logger;
  path: string;
  /** Sessions that end close their sockets at once. */
  revocations: SessionRevocations;
  /** Where accounts' connections and subscriptions are counted when shared across nodes. */
  accountSlots?: AccountSlotCounters | undefined;
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
  const { httpServer, router, services, config, logger, path } = deps;
  const stats: WebSocketStats = { maxBufferedBytes: 0, slowReadersDropped: 0, rateLimited: 0, deliveries: 0 };
  /** The subscription counters of the open connections, summed for the subscriptions metric. */
  const openSlots = new Set<SubscriptionSlots>();
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
  const sessionSockets = new SessionSockets({ accounts: services.accounts, clock: deps.clock, logger });
  const ceilings = new ConnectionCeilings(
    {
      enabled: config.rateLimits === "on",
      maxConnectionsPerAddress: config.wsMaxConnectionsPerAddress,
      maxConnectionsPerAccount: config.wsMaxConnectionsPerAccount,
      maxSubscriptionsPerAccount: config.wsMaxSubscriptionsPerAccount,
      maxAnonymousSubscriptionsPerAddress: config.wsMaxAnonymousSubscriptionsPerAddress,
    },
    deps.accountSlots,
  );

  const handler = serveTRPCOverWebSocket({
    wss,
    router,
    keepAlive: { pingMs: config.wsPingMs, pongWaitMs: config.wsPongWaitMs },
    encoder: createSharedEventEncoder(),
    onTrackedEvent: () => {
      stats.deliveries += 1;
    },
    createContext: async ({ req, res, connectionParams }): Promise<RequestContext> => {
      const clientAddress = clientAddressKey(req.socket.remoteAddress);
      const subscriptions: SubscriptionSlots = { open: 0 };
      openSlots.add(subscriptions);
      res.once("close", () => openSlots.delete(subscriptions));
      const context = (session: AuthSession | null): RequestContext => {
        subscriptions.shared = ceilings.subscriptionsOf(session?.userId, clientAddress);
        return { session, transport: "ws", clientAddress, writeLimits: services.writeLimits, subscriptions };
      };
      const token = connectionParams?.token;
      const session = token ? await services.accounts.authenticate(token) : null;
      if (session) {
        const release = await ceilings.admitAccount(session.userId);
        if (!release) {
          res.close(WS_CLOSE_CODES.tooManyConnections, "too many connections for this account");
          return context(null);
        }
        res.once("close", release);
        sessionSockets.track(session, res);
        // A log-out that landed while the token was being checked was published before the
        // socket was tracked; asking again once it is tracked leaves no gap between the two.
        if ((await services.accounts.sessionExpiry(session.sessionId)) !== null) return context(session);
      }
      // A token that has ended is told so as an ending session is, never taken as anonymous.
      if (token) res.close(WS_CLOSE_CODES.sessionEnded, "session ended");
      return context(null);
    },
  });

  const stopRevocations = deps.revocations.subscribe((sessionIds) => sessionSockets.close(sessionIds));

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const pathname = new URL(req.url ?? "/", "http://localhost").pathname;
    if (pathname !== path) return rejectUpgrade(socket, 404, "Not Found");
    if (!isOriginAllowed(req.headers.origin, req.headers.host, config.allowedOrigins)) {
      logger.warn({ origin: req.headers.origin }, "websocket origin refused");
      return rejectUpgrade(socket, 403, "Forbidden");
    }
    const address = clientAddressKey(req.socket.remoteAddress);
    wss.handleUpgrade(req, socket, head, (ws) => {
      // Refused after the upgrade, so that browsers, which never see an upgrade's status, see why.
      const release = ceilings.admitAddress(address);
      if (!release) return ws.close(WS_CLOSE_CODES.tooManyConnections, "too many connections from this address");
      ws.once("close", release);
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
      for (const slots of openSlots) open += slots.open;
      return open;
    },
    /** Tells clients to reconnect elsewhere, then closes every socket. */
    close(): Promise<void> {
      httpServer.off("upgrade", onUpgrade);
      stopRevocations();
      sessionSockets.stop();
      handler.broadcastReconnectNotification();
      for (const client of wss.clients) client.close(WS_CLOSE_CODES.goingAway, "server shutting down");
      return new Promise((resolve) => wss.close(() => resolve()));
    },
  };
}

function rejectUpgrade(socket: Duplex, status: number, reason: string): void {
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}
