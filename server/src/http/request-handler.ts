import type { IncomingMessage, ServerResponse } from "node:http";
import { type ErrorBody, NatterError } from "@natter/shared";
import type { Logger } from "pino";
import type { Config } from "../config/config.js";
import { errorBodyOf, unexpectedErrorBody } from "../trpc/error-mapping.js";
import { answerCors } from "./cors.js";
import { readJsonBody } from "./json-body.js";
import { requestIdOf } from "./request-id.js";
import { parseRequestPath } from "./request-path.js";
import { noteRoutePattern } from "./request-route.js";
import { sendError, sendTrpcError } from "./responses.js";
import { type Route, RouteTable } from "./route-table.js";
import { TRPC_PREFIX } from "./routes.js";

export interface RequestHandlerDeps {
  routes: readonly Route[];
  config: Config;
  logger: Logger;
}

/**
 * Answers every HTTP request of the one port natter listens on: the guards first, once
 * for every route (dot segments and malformed paths, CORS and preflights, the JSON body),
 * then the route table. Never rejects: whatever a guard or route throws is answered here.
 */
export function createRequestHandler({ routes, config, logger }: RequestHandlerDeps) {
  const table = new RouteTable(routes);

  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    let route: Route | undefined;
    try {
      const path = parseRequestPath(req.url ?? "");
      if (answerCors(req, res, config.allowedOrigins)) return;
      const lookup = table.lookup(req.method ?? "", path);
      if (lookup.kind === "not-found") {
        throw new NatterError("NOT_FOUND", `Nothing at ${path.pathname.slice(0, 200)}`);
      }
      if (lookup.kind === "wrong-method") return answerWrongMethod(req, res, lookup.allow.join(", "));
      route = lookup.route;
      noteRoutePattern(req, route.pattern);
      if (route.body === "json") await readJsonBody(req);
      await route.handle(req, res, lookup.match);
    } catch (error) {
      if (res.headersSent) {
        logger.error({ reqId: requestIdOf(req), err: error }, "request failed after its answer began");
        res.destroy();
        return;
      }
      const body: ErrorBody = error instanceof NatterError ? errorBodyOf(error) : unexpectedErrorBody(error);
      if (body.code === "INTERNAL") logger.error({ reqId: requestIdOf(req), err: error }, "request failed");
      else if (body.code === "UNAVAILABLE")
        logger.warn({ reqId: requestIdOf(req), err: error }, "request refused: outage");
      // A body left unread (too large, refused early) is not drained: the connection ends instead.
      const headers: Record<string, string> = req.complete ? {} : { Connection: "close" };
      // As tRPC's handler answers a request it refuses before any procedure runs (the contract suite holds it).
      if (route?.errors === "trpc") sendTrpcError(res, body, trpcCallPath(req.url), headers);
      else sendError(res, body, headers);
    }
  };
}

/** 405 with the methods the path serves; a plain OPTIONS is told them with a 204. */
function answerWrongMethod(req: IncomingMessage, res: ServerResponse, allow: string): void {
  if (req.method === "OPTIONS") {
    res.writeHead(204, { Allow: allow });
    res.end();
    return;
  }
  sendError(res, { code: "METHOD_NOT_ALLOWED", message: `${req.method} is not allowed here` }, { Allow: allow });
}

/** The procedure path of a tRPC call over HTTP (`/trpc/messages.send?…` → `messages.send`); none for a batch. */
function trpcCallPath(url = ""): string | undefined {
  if (!url.startsWith(`${TRPC_PREFIX}/`)) return undefined;
  const path = url.slice(TRPC_PREFIX.length + 1).split("?", 1)[0];
  return path && !path.includes(",") ? path : undefined;
}
