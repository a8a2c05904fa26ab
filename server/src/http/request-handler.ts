import type { IncomingMessage, ServerResponse } from "node:http";
import type { Database } from "@natter/db";
import { type Kysely, sql } from "kysely";
import type { Logger } from "pino";
import type { Config } from "../config/config.js";
import type { AppRouter } from "../routers/app-router.js";
import type { Services } from "../services/services.js";
import { createDocsFiles } from "./docs-page.js";
import { renderIndexPage } from "./index-page.js";
import { createOpenApiDocument, REST_PREFIX } from "./openapi-document.js";
import { isOriginAllowed } from "./origin-policy.js";
import { BASE_HEADERS, sendError, sendJson } from "./responses.js";
import { createRestHandler } from "./rest-handler.js";
import { createTrpcHttpHandler } from "./trpc-handler.js";

/** Where tRPC is served, over HTTP and WebSocket alike. */
export const TRPC_PREFIX = "/trpc";

const CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
  "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

export interface RequestHandlerDeps {
  router: AppRouter;
  services: Services;
  db: Kysely<Database>;
  config: Config;
  logger: Logger;
  version: string;
}

/** Routes every HTTP request of the one port natter listens on. */
export function createRequestHandler(deps: RequestHandlerDeps) {
  const { router, services, db, config, logger, version } = deps;
  const trpc = createTrpcHttpHandler(router, services, logger, TRPC_PREFIX);
  const rest = createRestHandler(router, services, logger, REST_PREFIX);
  const openApiJson = JSON.stringify(createOpenApiDocument(router, version));
  const indexPage = renderIndexPage(version);
  const docsFile = createDocsFiles();

  const sendText = (res: ServerResponse, body: string | Buffer, contentType: string, cache = "no-cache") => {
    res.writeHead(200, {
      ...BASE_HEADERS,
      "Content-Type": contentType,
      "Content-Length": Buffer.byteLength(body),
      "Cache-Control": cache,
      "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    });
    res.end(body);
  };

  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const { pathname } = new URL(req.url ?? "/", "http://localhost");
    if (!applyCors(req, res, config.allowedOrigins)) return;

    if (pathname === TRPC_PREFIX || pathname.startsWith(`${TRPC_PREFIX}/`)) return trpc(req, res, pathname);
    if (pathname.startsWith(`${REST_PREFIX}/`)) return rest(req, res);

    if (req.method !== "GET" && req.method !== "HEAD") {
      return sendError(
        res,
        { code: "METHOD_NOT_ALLOWED", message: `${req.method} is not allowed here` },
        { Allow: "GET, HEAD" },
      );
    }
    if (pathname === "/") return sendText(res, indexPage, "text/html; charset=utf-8");
    if (pathname === "/openapi.json") return sendText(res, openApiJson, "application/json; charset=utf-8");
    if (pathname === "/healthz") {
      await sql`select 1`.execute(db);
      return sendJson(res, 200, { status: "ok", version }, { "Cache-Control": "no-store" });
    }
    if (pathname === "/docs" || pathname.startsWith("/docs/")) {
      const file = docsFile(pathname.slice("/docs/".length));
      if (file) return sendText(res, file.body, file.contentType, "public, max-age=3600");
    }
    sendError(res, { code: "NOT_FOUND", message: `Nothing at ${pathname}` });
  };
}

/**
 * Lets allowed browser origins call the API. Answers preflights itself; returns false when
 * the request has been answered.
 */
function applyCors(req: IncomingMessage, res: ServerResponse, allowedOrigins: readonly string[]): boolean {
  const { origin } = req.headers;
  if (origin === undefined || !isOriginAllowed(origin, req.headers.host, allowedOrigins)) return true;
  res.setHeader("Access-Control-Allow-Origin", origin);
  res.setHeader("Vary", "Origin");
  if (req.method !== "OPTIONS") return true;
  res.writeHead(204, {
    "Access-Control-Allow-Methods": "GET, HEAD, POST, PUT, PATCH, DELETE",
    "Access-Control-Allow-Headers": "Authorization, Content-Type, trpc-accept",
    "Access-Control-Max-Age": "600",
  });
  res.end();
  return false;
}
