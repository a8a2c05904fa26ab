import { randomUUID } from "node:crypto";
import type { IncomingMessage } from "node:http";

/**
 * Where a request's id is kept: on the request itself, not in a WeakMap keyed by it (an
 * ephemeron per request, with a write barrier and a pass in young-generation collections).
 */
const REQUEST_ID = Symbol("natter.requestId");

type IdentifiedRequest = IncomingMessage & { [REQUEST_ID]?: string };

/** What a proxy may hand us as its own id: short and printable, so it is safe in logs. */
const ACCEPTABLE_ID = /^[A-Za-z0-9._:-]{1,64}$/;

/**
 * The id of a request, for its log lines and its `X-Request-Id` answer: the caller's (a proxy's)
 * if it sent a sane one, else a new one. The same request always gets the same id.
 */
export function requestIdOf(req: IncomingMessage): string {
  let id = (req as IdentifiedRequest)[REQUEST_ID];
  if (id === undefined) {
    const given = req.headers["x-request-id"];
    id = typeof given === "string" && ACCEPTABLE_ID.test(given) ? given : randomUUID();
    (req as IdentifiedRequest)[REQUEST_ID] = id;
  }
  return id;
}
