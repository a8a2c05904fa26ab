import type { ServerResponse } from "node:http";
import type { Database } from "@natter/db";
import { type Kysely, sql } from "kysely";
import type { Logger } from "pino";
import type { AppRouter } from "../routers/app-router.js";
import type { Services } from "../services/services.js";
import { createDocsFiles } from "./docs-page.js";
import { renderIndexPage } from "./index-page.js";
import { createOpenApiDocument, REST_PREFIX } from "./openapi-document.js";
import { BASE_HEADERS, sendError, sendJson } from "./responses.js";
import { createRestHandler } from "./rest-handler.js";
import { type Route, route } from "./route-table.js";
import { createTrpcHttpHandler } from "./trpc-handler.js";

/** Where tRPC is served, over HTTP and WebSocket alike. */
export const TRPC_PREFIX = "/trpc";

const CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
  "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

/** What natter's own routes are built from. */
export interface RoutesDeps {
  router: AppRouter;
  services: Services;
  db: Kysely<Database>;
  logger: Logger;
  version: string;
}

/**
 * Every HTTP path natter serves, one line each. To add one, add a line:
 *
 *     route(["GET"], "/files/:fileId", (req, res, { params }) => serveFile(res, params.fileId)),
 *
 * with the methods it serves (HEAD comes with GET), its pattern (`:name` for one segment,
 * a trailing `/*` for everything below a prefix) and its handler; `{ body: "json" }` has the
 * body read and checked first. Order does not matter: the most specific pattern wins. The
 * guards in front of the table (dot segments, CORS, body) apply to every route, and a
 * path that no route serves answers 404, a known path asked with another method 405.
 */
export function natterRoutes(deps: RoutesDeps): Route[] {
  const { router, services, db, logger, version } = deps;
  const trpc = createTrpcHttpHandler(router, services, logger);
  const rest = createRestHandler(router, services, logger);
  const openApiJson = JSON.stringify(createOpenApiDocument(router, version));
  const indexPage = renderIndexPage(version);
  const docsFile = createDocsFiles();

  return [
    route("*", `${TRPC_PREFIX}/*`, (req, res, { tail }) => trpc(req, res, tail), {
      body: "json",
      errors: "trpc",
    }),
    route("*", `${REST_PREFIX}/*`, (req, res, { tail, search }) => rest(req, res, `/${tail}${search}`), {
      body: "json",
    }),
    route(["GET"], "/", (_req, res) => sendPage(res, indexPage, "text/html; charset=utf-8")),
    route(["GET"], "/openapi.json", (_req, res) => sendPage(res, openApiJson, "application/json; charset=utf-8")),
    route(["GET"], "/healthz", async (_req, res) => {
      await sql`select 1`.execute(db);
      sendJson(res, 200, { status: "ok", version }, { "Cache-Control": "no-store" });
    }),
    route(["GET"], "/docs/*", (_req, res, { pathname, tail }) => {
      const file = docsFile(tail);
      if (!file) return sendError(res, { code: "NOT_FOUND", message: `Nothing at ${pathname}` });
      sendPage(res, file.body, file.contentType, "public, max-age=3600");
    }),
  ];
}

/** Answers with a page or file of natter's own, under its content security policy. */
function sendPage(res: ServerResponse, body: string | Buffer, contentType: string, cache = "no-cache"): void {
  res.writeHead(200, {
    ...BASE_HEADERS,
    "Content-Type": contentType,
    "Content-Length": Buffer.byteLength(body),
    "Cache-Control": cache,
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
  });
  res.end(body);
}
