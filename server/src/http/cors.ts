import type { IncomingMessage, ServerResponse } from "node:http";
import { NatterError } from "@natter/shared";
import { isOriginAllowed } from "../origin/origin-policy.js";
import { BASE_HEADERS } from "./responses.js";

const ALLOWED_METHODS = "GET, HEAD, POST, PUT, PATCH, DELETE";
const ALLOWED_HEADERS = "Authorization, Content-Type, trpc-accept";

/**
 * Lets allowed browser origins call natter. A request from an allowed origin gets its
 * `Access-Control-Allow-Origin`; a preflight (`OPTIONS` with `Access-Control-Request-Method`)
 * is answered here, 204 for an allowed origin and 403 naming the setting otherwise.
 * Returns true when the request has been answered.
 */
export function answerCors(req: IncomingMessage, res: ServerResponse, allowedOrigins: readonly string[]): boolean {
  const { origin } = req.headers;
  if (origin === undefined) return false;
  const allowed = isOriginAllowed(origin, req.headers.host, allowedOrigins);
  res.setHeader("Vary", "Origin");
  if (allowed) res.setHeader("Access-Control-Allow-Origin", origin);
  const preflight = req.method === "OPTIONS" && req.headers["access-control-request-method"] !== undefined;
  if (!preflight) return false;
  if (!allowed) {
    throw new NatterError(
      "FORBIDDEN",
      `The origin ${JSON.stringify(origin).slice(0, 200)} may not call this server: add it to NATTER_ALLOWED_ORIGINS`,
    );
  }
  res.writeHead(204, {
    ...BASE_HEADERS,
    "Access-Control-Allow-Methods": ALLOWED_METHODS,
    "Access-Control-Allow-Headers": ALLOWED_HEADERS,
    "Access-Control-Max-Age": "600",
  });
  res.end();
  return true;
}
