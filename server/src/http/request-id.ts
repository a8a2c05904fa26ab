import { randomUUID } from "node:crypto";
import type { IncomingMessage } from "node:http";

const requestIds = new WeakMap<IncomingMessage, string>();
/** What a proxy may hand us as its own id: short and printable, so it is safe in logs. */
const ACCEPTABLE_ID = /^[A-Za-z0-9._:-]{1,64}$/;

/**
 * The id of a request, for its log lines and its `X-Request-Id` answer: the caller's (a proxy's)
 * if it sent a sane one, else a new one. The same request always gets the same id.
 */
export function requestIdOf(req: IncomingMessage): string {
  let id = requestIds.get(req);
  if (id === undefined) {
    const given = req.headers["x-request-id"];
    id = typeof given === "string" && ACCEPTABLE_ID.test(given) ? given : randomUUID();
    requestIds.set(req, id);
  }
  return id;
}
