import type { IncomingMessage, ServerResponse } from "node:http";
import { LIMITS } from "@natter/shared";
import { nodeHTTPRequestHandler } from "@trpc/server/adapters/node-http";
import type { Logger } from "pino";
import type { TrustedProxies } from "../config/trusted-proxies.js";
import type { AppRouter } from "../routers/app-router.js";
import type { Services } from "../services/services.js";
import { responseHeadersFor } from "../trpc/procedure-meta.js";
import { httpContextFactory } from "./create-context.js";

/** Serves tRPC over HTTP (batching on); called with the procedure path(s) below the prefix. */
export function createTrpcHttpHandler(router: AppRouter, services: Services, logger: Logger, proxies: TrustedProxies) {
  const createContext = httpContextFactory(services, "http", proxies);
  return (req: IncomingMessage, res: ServerResponse, path: string) =>
    nodeHTTPRequestHandler({
      req,
      res,
      router,
      path,
      createContext,
      maxBodySize: LIMITS.maxRequestBodyBytes,
      allowBatching: true,
      // A batch is one request but many calls: uncapped, a single request could cost thousands.
      maxBatchSize: LIMITS.maxBatchCalls,
      responseMeta: ({ paths, errors, ctx, type }) => ({
        headers: responseHeadersFor(router, { paths, errors, ctx, type }),
      }),
      onError: ({ error, path }) => {
        if (error.code === "INTERNAL_SERVER_ERROR")
          logger.error({ err: error.cause ?? error, path }, "procedure failed");
      },
    });
}
