import type { ServerResponse } from "node:http";
import { ERROR_HTTP_STATUS, type ErrorBody } from "@natter/shared";
import { errorHeaders, trpcErrorShape } from "../trpc/error-mapping.js";
import { jsonBody } from "./ascii-json.js";

/** Headers every answer carries. */
export const BASE_HEADERS = {
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "no-referrer",
} as const;

/** Answers with a JSON body. */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const payload = jsonBody(body);
  res.writeHead(status, {
    ...BASE_HEADERS,
    "Content-Type": "application/json; charset=utf-8",
    "Content-Length": payload.length,
    ...headers,
  });
  res.end(payload);
}

/** Answers with natter's error body, the status its code travels with and its headers. */
export function sendError(res: ServerResponse, error: ErrorBody, headers: Record<string, string> = {}): void {
  sendJson(res, ERROR_HTTP_STATUS[error.code], { error }, { ...errorHeaders(error), ...headers });
}

/**
 * Answers a tRPC call refused before any procedure ran (a malformed path or body, CORS, a
 * body too large) as tRPC's own handler answers it: the tRPC error shape, whose `data.error`
 * is natter's error body, with the status and headers natter's code travels with.
 */
export function sendTrpcError(
  res: ServerResponse,
  error: ErrorBody,
  procedurePath: string | undefined,
  headers: Record<string, string> = {},
): void {
  sendJson(
    res,
    ERROR_HTTP_STATUS[error.code],
    { error: trpcErrorShape(error, procedurePath) },
    { ...errorHeaders(error), ...headers, "Content-Type": "application/json", Vary: "trpc-accept, accept" },
  );
}
