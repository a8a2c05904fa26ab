import { timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { type Database, type DatabaseEngine, pendingMigrations } from "@natter/db";
import { NatterError } from "@natter/shared";
import { type Kysely, sql } from "kysely";
import type { Logger } from "pino";
import type { OpenAPIObject } from "trpc-to-openapi";
import type { TrustedProxies } from "../config/trusted-proxies.js";
import type { UploadAdmission } from "../live/upload-admission.js";
import type { Metrics } from "../metrics/metrics.js";
import type { AppRouter } from "../routers/app-router.js";
import type { Services } from "../services/services.js";
import { accountDataRoutes } from "./account-data-routes.js";
import { diskSpaceCheck } from "./disk-readiness.js";
import { createDocsFiles } from "./docs-page.js";
import { renderIndexPage } from "./index-page.js";
import { REST_PREFIX, withAbsoluteServer } from "./openapi-document.js";
import { checkReadiness, type ReadinessCheck } from "./readiness.js";
import { BASE_HEADERS, sendError, sendJson } from "./responses.js";
import { createRestHandler } from "./rest-handler.js";
import type { RoomEventStreams } from "./room-event-streams.js";
import { type Route, route } from "./route-table.js";
import { createTrpcHttpHandler } from "./trpc-handler.js";
import { uploadRoutes } from "./upload-routes.js";
import { loadWebApp, webAppRoutes } from "./web-app.js";

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
  /** The engine behind `db`, whose migrations `/readyz` checks. */
  engine: DatabaseEngine;
  logger: Logger;
  version: string;
  /** The REST paths' document (`createOpenApiDocument`), asked for when first served. */
  openApiDocument: () => Promise<OpenAPIObject>;
  metrics: Metrics;
  /** A bearer token `/metrics` requires, or undefined to serve it to anyone who reaches it. */
  metricsToken: string | undefined;
  /** What `/readyz` checks besides the database and its migrations (Redis, where configured). */
  readinessChecks: readonly ReadinessCheck[];
  /** Directories the server writes to (the SQLite file's, the uploads'), whose free space `/readyz` checks. */
  writtenDirectories: readonly string[];
  /** The largest upload accepted, in bytes. */
  uploadMaxBytes: number;
  /** How many uploads may stream in at once, and how long one may idle. */
  uploadAdmission: UploadAdmission;
  /** Proxies whose `X-Forwarded-For` per-address limits believe. */
  trustedProxies: TrustedProxies;
  /** The rooms' event streams (Server-Sent Events). */
  eventStreams: RoomEventStreams;
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
  const { router, services, db, engine, logger, version, metrics, uploadMaxBytes } = deps;
  const trpc = createTrpcHttpHandler(router, services, logger, deps.trustedProxies, deps.eventStreams);
  const rest = createRestHandler(router, services, logger, deps.trustedProxies);
  let openApiJson: string | undefined;
  const readinessChecks: ReadinessCheck[] = [
    {
      name: "database",
      async check() {
        const pending = await pendingMigrations({ db, engine });
        if (pending.length > 0) throw new Error(`migrations not applied: ${pending.join(", ")}`);
        if (engine === "postgres") {
          const { rows } = await sql<{
            readOnly: string;
          }>`select current_setting('transaction_read_only') as "readOnly"`.execute(db);
          if (rows[0]?.readOnly === "on") throw new Error("the database refuses writes (read-only)");
        }
      },
    },
    ...(deps.writtenDirectories.length > 0 ? [diskSpaceCheck(deps.writtenDirectories)] : []),
    ...deps.readinessChecks,
  ];
  const indexPage = renderIndexPage(version);
  const docsFile = createDocsFiles();
  const webApp = loadWebApp();

  return [
    route("*", `${TRPC_PREFIX}/*`, (req, res, { tail }) => trpc(req, res, tail), {
      body: "json",
      errors: "trpc",
    }),
    route("*", `${REST_PREFIX}/*`, (req, res, { tail, search }) => rest(req, res, `/${tail}${search}`), {
      body: "json",
    }),
    ...uploadRoutes({
      services,
      maxBytes: uploadMaxBytes,
      admission: deps.uploadAdmission,
      trustedProxies: deps.trustedProxies,
    }),
    ...deps.eventStreams.routes(),
    ...accountDataRoutes({ services, trustedProxies: deps.trustedProxies, logger }),
    ...webAppRoutes(webApp, (_req, res) => sendPage(res, indexPage, "text/html; charset=utf-8")),
    route(["GET"], "/openapi.json", async (req, res) => {
      const origin = requestOrigin(req);
      const document = await deps.openApiDocument();
      openApiJson ??= JSON.stringify(document);
      const json = origin ? JSON.stringify(withAbsoluteServer(document, origin)) : openApiJson;
      sendPage(res, json, "application/json; charset=utf-8");
    }),
    route(["GET"], "/healthz", async (_req, res) => {
      await sql`select 1`.execute(db);
      sendJson(res, 200, { status: "ok", version }, { "Cache-Control": "no-store" });
    }),
    route(["GET"], "/readyz", async (_req, res) => {
      const { ready, checks } = await checkReadiness(readinessChecks);
      sendJson(
        res,
        ready ? 200 : 503,
        { status: ready ? "ready" : "not ready", checks },
        { "Cache-Control": "no-store" },
      );
    }),
    route(["GET"], "/metrics", async (req, res) => {
      if (deps.metricsToken !== undefined && !bearerMatches(req, deps.metricsToken)) {
        throw new NatterError("UNAUTHENTICATED", "GET /metrics needs the bearer token set in NATTER_METRICS_TOKEN");
      }
      const body = await metrics.render();
      res.writeHead(200, {
        ...BASE_HEADERS,
        "Content-Type": metrics.registry.contentType,
        "Content-Length": Buffer.byteLength(body),
        "Cache-Control": "no-store",
      });
      res.end(body);
    }),
    route(["GET"], "/docs/*", (_req, res, { pathname, tail }) => {
      const file = docsFile(tail);
      if (!file) return sendError(res, { code: "NOT_FOUND", message: `Nothing at ${pathname}` });
      sendPage(res, file.body, file.contentType, "public, max-age=3600");
    }),
  ];
}

/**
 * The origin the caller reached us at, from its Host header, when that is a plain host[:port]:
 * anything else (or no Host at all) leaves the document's relative server as it is.
 */
function requestOrigin(req: IncomingMessage): string | undefined {
  const host = req.headers.host;
  if (host === undefined || !/^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/.test(host)) return undefined;
  const proto = req.headers["x-forwarded-proto"] === "https" ? "https" : "http";
  return `${proto}://${host}`;
}

/** Whether the request carries exactly this bearer token, compared in constant time. */
function bearerMatches(req: IncomingMessage, expected: string): boolean {
  const given = Buffer.from(req.headers.authorization ?? "");
  const wanted = Buffer.from(`Bearer ${expected}`);
  return given.length === wanted.length && timingSafeEqual(given, wanted);
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
