import { AsyncLocalStorage } from "node:async_hooks";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { LIMITS } from "@natter/shared";
import { createHTTPHandler } from "@trpc/server/adapters/standalone";
import { applyWSSHandler } from "@trpc/server/adapters/ws";
import { adapterContextFactory, createAppRouter, type NatterServer } from "natter";
import { createOpenApiHttpHandler } from "trpc-to-openapi";
import { WebSocketServer } from "ws";

/** tRPC's and trpc-to-openapi's own adapters serving natter's router, beside a natter server. */
export interface ReferenceServer {
  /** Its base URL: tRPC at `/trpc` (HTTP and WebSocket), REST at `/api/v1`, as on natter. */
  url: string;
  close(): Promise<void>;
}

/**
 * Mounts the same router natter serves, over the same services (one database), in the
 * libraries' own adapters, configured as natter configures its transports (body limit,
 * batching and its cap, tRPC's SSE subscriptions). What natter's transports answer is held
 * to what these answer.
 */
export async function startReferenceServer(natter: NatterServer): Promise<ReferenceServer> {
  const router = createAppRouter(natter.services);
  const createContext = adapterContextFactory(natter.services);
  const trpc = createHTTPHandler({
    router,
    createContext,
    basePath: "/trpc/",
    maxBodySize: LIMITS.maxRequestBodyBytes,
    allowBatching: true,
    maxBatchSize: LIMITS.maxBatchCalls,
  });
  // trpc-to-openapi's standalone handler hands createContext a Fetch Request made from the
  // Node request; natter's context reads the Node request itself, as natter's REST transport does.
  const restRequest = new AsyncLocalStorage<IncomingMessage>();
  const rest = createOpenApiHttpHandler({
    router,
    createContext: () => createContext({ req: restRequest.getStore() as IncomingMessage }),
    maxBodySize: LIMITS.maxRequestBodyBytes,
  });
  const httpServer: Server = createServer((req: IncomingMessage, res) => {
    const url = req.url ?? "/";
    if (url.startsWith("/trpc/")) return trpc(req, res);
    if (url.startsWith("/api/v1/")) {
      req.url = url.slice("/api/v1".length);
      return void restRequest.run(req, () => rest(req, res));
    }
    res.writeHead(404).end();
  });
  const wss = new WebSocketServer({ server: httpServer, path: "/trpc" });
  applyWSSHandler({ wss, router, createContext });
  await new Promise<void>((resolve) => httpServer.listen(0, "127.0.0.1", resolve));
  const { port } = httpServer.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    async close() {
      for (const client of wss.clients) client.terminate();
      wss.close();
      httpServer.closeAllConnections();
      await new Promise((resolve) => httpServer.close(resolve));
    },
  };
}
