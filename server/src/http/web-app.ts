import { existsSync, readdirSync, readFileSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { extname, join } from "node:path";
import { gzipSync } from "node:zlib";
import { PACKAGE_ROOT } from "../package-root.js";
import { BASE_HEADERS, sendError } from "./responses.js";
import { type Route, type RouteHandler, route } from "./route-table.js";

/**
 * The built chat app: the copy the published package carries (`dist/web-app`, put there by
 * `prepack`), else where the workspace builds it (`web/dist`, by `npm run build`).
 */
export const DEFAULT_WEB_APP_DIR = existsSync(join(PACKAGE_ROOT, "dist/web-app/index.html"))
  ? join(PACKAGE_ROOT, "dist/web-app")
  : join(PACKAGE_ROOT, "../web/dist");

/**
 * The app's own screens (its router's paths): each answers with the app's `index.html`
 * (the SPA fallback), so a reload or a shared link opens the right screen. Any other path
 * stays a 404.
 */
const WEB_APP_PATHS = ["/", "/rooms/:roomId", "/search", "/discover", "/threads", "/new", "/admin", "/account"];

/**
 * The app's policy: its own scripts and styles only (nothing inline, nothing from elsewhere),
 * calls and WebSockets to this origin only.
 */
export const WEB_APP_CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; " +
  "object-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

const CONTENT_TYPES: Record<string, string> = {
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".html": "text/html; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".woff2": "font/woff2",
};

/** Types worth compressing: text. */
const COMPRESSIBLE = new Set([".js", ".css", ".html", ".svg"]);

/** One file of the built app, with a gzipped copy when that is smaller. */
export interface WebAppFile {
  body: Buffer;
  gzipped: Buffer | undefined;
  contentType: string;
  /** `immutable` for hashed assets (a new build gives new names), `no-cache` for the page that names them. */
  cacheControl: string;
}

/** The built app, read into memory once: a few files of tens of kilobytes. */
export interface WebApp {
  /** The page every app path answers with. */
  index: WebAppFile;
  /** A file below `/assets/`, by name; undefined for any other name. */
  asset(name: string): WebAppFile | undefined;
  /**
   * The service worker (`/sw.js`, for Web Push), when the build has one. Served from the root
   * so its scope is the whole app, under a fixed name, and never cached for long: a browser
   * checks it for updates on every visit.
   */
  serviceWorker: WebAppFile | undefined;
}

/** The service worker's path: its URL is its identity, so it never changes. */
export const SERVICE_WORKER_PATH = "/sw.js";

/** Loads the built app from `dir`; undefined when it has not been built. */
export function loadWebApp(dir: string = DEFAULT_WEB_APP_DIR): WebApp | undefined {
  const indexPath = join(dir, "index.html");
  if (!existsSync(indexPath)) return undefined;
  const index = toFile(readFileSync(indexPath), ".html", "no-cache");
  const assetsDir = join(dir, "assets");
  const assets = new Map<string, WebAppFile>();
  if (existsSync(assetsDir)) {
    for (const entry of readdirSync(assetsDir, { withFileTypes: true })) {
      const extension = extname(entry.name);
      if (!entry.isFile() || CONTENT_TYPES[extension] === undefined) continue;
      assets.set(
        entry.name,
        toFile(readFileSync(join(assetsDir, entry.name)), extension, "public, max-age=31536000, immutable"),
      );
    }
  }
  const serviceWorkerPath = join(dir, SERVICE_WORKER_PATH);
  const serviceWorker = existsSync(serviceWorkerPath)
    ? toFile(readFileSync(serviceWorkerPath), ".js", "no-cache")
    : undefined;
  return { index, asset: (name) => assets.get(name), serviceWorker };
}

function toFile(body: Buffer, extension: string, cacheControl: string): WebAppFile {
  const compressed = COMPRESSIBLE.has(extension) ? gzipSync(body, { level: 9 }) : undefined;
  return {
    body,
    gzipped: compressed && compressed.length < body.length ? compressed : undefined,
    contentType: CONTENT_TYPES[extension] ?? "application/octet-stream",
    cacheControl,
  };
}

/** Whether a request's `Accept-Encoding` takes gzip (listed, and not with `q=0`). */
export function acceptsGzip(acceptEncoding: string | undefined): boolean {
  return (acceptEncoding ?? "").split(",").some((entry) => {
    const [coding, ...params] = entry.split(";").map((part) => part.trim().toLowerCase());
    if (coding !== "gzip" && coding !== "*") return false;
    const quality = params.find((param) => param.startsWith("q="));
    return quality === undefined || Number(quality.slice(2)) > 0;
  });
}

/** Answers with one file of the app, gzipped when the client takes it, under the app's policy. */
function sendWebAppFile(req: IncomingMessage, res: ServerResponse, file: WebAppFile): void {
  const gzip = file.gzipped !== undefined && acceptsGzip(req.headers["accept-encoding"]);
  const body = gzip && file.gzipped ? file.gzipped : file.body;
  res.writeHead(200, {
    ...BASE_HEADERS,
    "Content-Type": file.contentType,
    "Content-Length": body.length,
    "Cache-Control": file.cacheControl,
    "Content-Security-Policy": WEB_APP_CONTENT_SECURITY_POLICY,
    ...(file.gzipped && { Vary: "Accept-Encoding" }),
    ...(gzip && { "Content-Encoding": "gzip" }),
  });
  res.end(req.method === "HEAD" ? undefined : body);
}

/**
 * The app's routes: its screens, `/assets/:name` and its service worker. Without a build, `/` answers with
 * `whenNotBuilt` (a page that says how to build it) and the rest is not served.
 */
export function webAppRoutes(app: WebApp | undefined, whenNotBuilt: RouteHandler): Route[] {
  if (!app) return [route(["GET"], "/", whenNotBuilt)];
  return [
    ...WEB_APP_PATHS.map((path) => route(["GET"], path, (req, res) => sendWebAppFile(req, res, app.index))),
    ...(app.serviceWorker
      ? [
          route(
            ["GET"],
            SERVICE_WORKER_PATH,
            (req, res) => app.serviceWorker && sendWebAppFile(req, res, app.serviceWorker),
          ),
        ]
      : []),
    route(["GET"], "/assets/:name", (req, res, { pathname, params }) => {
      const file = params.name === undefined ? undefined : app.asset(params.name);
      if (!file) return sendError(res, { code: "NOT_FOUND", message: `Nothing at ${pathname}` });
      sendWebAppFile(req, res, file);
    }),
  ];
}
