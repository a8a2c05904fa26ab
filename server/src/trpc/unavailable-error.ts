import { isDatabaseUnavailable } from "@natter/db";
import { NatterError } from "@natter/shared";

/** How long a caller is asked to wait before trying again after an outage. */
export const UNAVAILABLE_RETRY_AFTER_SECONDS = 2;

/** A disk that is full, over quota, read-only or failing, or a file grown past its limit. */
const DISK_CODES = new Set(["ENOSPC", "EDQUOT", "EROFS", "EIO", "EFBIG"]);
/** A peer (Redis, PostgreSQL, an object store) out of reach. */
const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EAI_AGAIN",
]);
/** What ioredis says when its connection is down or a command got no answer in time. */
const REDIS_MESSAGES = [
  /^Stream isn't writeable/,
  /^Connection is closed/,
  /^Command timed out/,
  /^Reached the max retries per request limit/,
];

/**
 * The 503 UNAVAILABLE that stands for `error` when it (or what caused it) says that the
 * database, Redis or the disk is out of reach for now, or undefined for any other failure.
 * Every transport's one error renderer asks this before calling a failure internal.
 */
export function unavailableError(error: unknown): NatterError | undefined {
  const what = outageOf(error, 0);
  if (what === undefined) return undefined;
  return new NatterError(
    "UNAVAILABLE",
    `${OUTAGE_MESSAGES[what]}; try again shortly`,
    { retryAfterSeconds: UNAVAILABLE_RETRY_AFTER_SECONDS },
    { cause: error },
  );
}

type Outage = "disk" | "database" | "network";

const OUTAGE_MESSAGES: Record<Outage, string> = {
  disk: "The server's storage is full or failing",
  database: "The database cannot be reached or refuses writes",
  network: "A service the server depends on cannot be reached",
};

function outageOf(error: unknown, depth: number): Outage | undefined {
  if (typeof error !== "object" || error === null || depth > 6) return undefined;
  const code = "code" in error && typeof error.code === "string" ? error.code : undefined;
  if (code !== undefined && DISK_CODES.has(code)) return "disk";
  if (code?.startsWith("SQLITE_FULL") || code?.startsWith("SQLITE_IOERR")) return "disk";
  if (isDatabaseUnavailable(error)) return "database";
  if (code !== undefined && NETWORK_CODES.has(code)) return "network";
  const message = "message" in error && typeof error.message === "string" ? error.message : "";
  if (REDIS_MESSAGES.some((pattern) => pattern.test(message))) return "network";
  if ("name" in error && error.name === "MaxRetriesPerRequestError") return "network";
  // A connection refused on every address a host name resolved to.
  if ("errors" in error && Array.isArray(error.errors)) {
    for (const inner of error.errors) {
      const found = outageOf(inner, depth + 1);
      if (found) return found;
    }
  }
  return "cause" in error ? outageOf(error.cause, depth + 1) : undefined;
}
