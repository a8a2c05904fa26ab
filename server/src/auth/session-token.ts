import { createHash, randomBytes } from "node:crypto";

const TOKEN_PREFIX = "nat_";
const TICKET_PREFIX = "nst_";

/** A new bearer token: 256 random bits, base64url, with a prefix that secret scanners can spot. */
export function generateSessionToken(): string {
  return TOKEN_PREFIX + randomBytes(32).toString("base64url");
}

/**
 * A new event-stream ticket: as unguessable as a token, with a prefix of its own so that a
 * ticket seen in a URL or a log is told apart from a token at a glance.
 */
export function generateEventStreamTicket(): string {
  return TICKET_PREFIX + randomBytes(32).toString("base64url");
}

/** The only form in which a token (or a ticket) is stored or looked up. */
export function hashSessionToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}
