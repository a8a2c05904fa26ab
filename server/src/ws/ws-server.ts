import type { IncomingMessage, Server } from "node:http";
import type { Duplex } from "node:stream";
import { LIMITS } from "@natter/shared";
import { applyWSSHandler } from "@trpc/server/adapters/ws";
import type { Logger } from "pino";
import { type WebSocket, WebSocketServer } from "ws";
import type { SessionRevocations } from "../auth/session-revocations.js";
import type { Config } from "../config/config.js";
import { isOriginAllowed } from "../http/origin-policy.js";
import type { AppRouter } from "../routers/app-router.js";
import type { Services } from "../services/services.js";
import type { RequestContext } from "../trpc/context.js";

/** Close code sent when the socket's session ends (logout, password change, expiry). */
export const SESSION_ENDED_CLOSE_CODE = 4401;

export interface WebSocketServerDeps {
  httpServer: Server;
  router: AppRouter;
  services: Services;
  config: Config;
  logger: Logger;
  path: string;
  /** Sessions that end close their sockets at once. */
  revocations: SessionRevocations;
}

/** The tRPC WebSocket endpoint, upgraded from the HTTP server at `path`. */
export function attachWebSocketServer(deps: WebSocketServerDeps) {
  const { httpServer, router, services, config, logger, path } = deps;
  const wss = new WebSocketServer({ noServer: true, maxPayload: LIMITS.maxWebSocketMessageBytes });
  const socketsBySession = new Map<string, Set<WebSocket>>();

  const trackSocket = (sessionId: string, socket: WebSocket) => {
    const sockets = socketsBySession.get(sessionId) ?? new Set<WebSocket>();
    sockets.add(socket);
    socketsBySession.set(sessionId, sockets);
    socket.once("close", () => {
      sockets.delete(socket);
      if (sockets.size === 0) socketsBySession.delete(sessionId);
    });
  };

  const handler = applyWSSHandler({
    wss,
    router,
    keepAlive: { enabled: true, pingMs: 30_000, pongWaitMs: 10_000 },
    createContext: async ({ res, info }): Promise<RequestContext> => {
      const token = info.connectionParams?.token;
      const session = token ? await services.accounts.authenticate(token) : null;
      if (session) trackSocket(session.sessionId, res);
      return { session, transport: "ws" };
    },
  });

  const stopRevocations = deps.revocations.subscribe((sessionIds) => {
    for (const sessionId of sessionIds) {
      for (const socket of socketsBySession.get(sessionId) ?? [])
        socket.close(SESSION_ENDED_CLOSE_CODE, "session ended");
    }
  });

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const pathname = new URL(req.url ?? "/", "http://localhost").pathname;
    if (pathname !== path) return rejectUpgrade(socket, 404, "Not Found");
    if (!isOriginAllowed(req.headers.origin, req.headers.host, config.allowedOrigins)) {
      logger.warn({ origin: req.headers.origin }, "websocket origin refused");
      return rejectUpgrade(socket, 403, "Forbidden");
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit("connection", ws, req));
  };
  httpServer.on("upgrade", onUpgrade);

  return {
    /** Tells clients to reconnect elsewhere, then closes every socket. */
    close(): Promise<void> {
      httpServer.off("upgrade", onUpgrade);
      stopRevocations();
      handler.broadcastReconnectNotification();
      for (const client of wss.clients) client.close(1001, "server shutting down");
      return new Promise((resolve) => wss.close(() => resolve()));
    },
  };
}

function rejectUpgrade(socket: Duplex, status: number, reason: string): void {
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}
