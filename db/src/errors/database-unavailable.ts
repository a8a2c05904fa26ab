/**
 * PostgreSQL SQLSTATE classes and codes that mean the database cannot serve now rather than
 * that the statement is wrong: connection exceptions (08), insufficient resources (53: disk
 * full, out of memory, too many connections), operator intervention (57P01–57P05: shutdown,
 * crash recovery, a terminated backend), system errors (58: I/O), and a write refused by a
 * read-only transaction (25006: a standby, `default_transaction_read_only`).
 */
const POSTGRES_CLASSES = ["08", "53", "58"];
const POSTGRES_CODES = new Set(["57P01", "57P02", "57P03", "57P04", "57P05", "25006"]);

/**
 * SQLite result codes (better-sqlite3's `code`, extended codes included) for a disk that is
 * full, failing or read-only, and a database file that cannot be opened.
 */
const SQLITE_PREFIXES = ["SQLITE_FULL", "SQLITE_IOERR", "SQLITE_READONLY", "SQLITE_CANTOPEN"];

/**
 * What node-postgres says, without a SQLSTATE, when the server is gone or unreachable: a
 * connection that ended under a query, a pool that could not connect in time, a client that
 * failed before.
 */
const POSTGRES_CLIENT_MESSAGES = [
  /^Connection terminated/,
  /^timeout exceeded when trying to connect/,
  /^Client has encountered a connection error and is not queryable/,
  /^Client was closed and is not queryable/,
];

/**
 * Whether a driver error means the database (or the disk under it) is out of reach for now:
 * the same statement may succeed once it is back. Such a failure is answered 503 with
 * `Retry-After`, never as an internal error.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (typeof error !== "object" || error === null) return false;
  const code = "code" in error && typeof error.code === "string" ? error.code : undefined;
  if (code !== undefined) {
    if (/^[0-9A-Z]{5}$/.test(code) && (POSTGRES_CODES.has(code) || POSTGRES_CLASSES.includes(code.slice(0, 2)))) {
      return true;
    }
    if (SQLITE_PREFIXES.some((prefix) => code.startsWith(prefix))) return true;
  }
  const message = "message" in error && typeof error.message === "string" ? error.message : "";
  return POSTGRES_CLIENT_MESSAGES.some((pattern) => pattern.test(message));
}
