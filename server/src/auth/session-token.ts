import { hash, randomBytes } from "node:crypto";

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

/**
 * The only form in which a token, a ticket or an API key is stored or looked up. One fast
 * SHA-256 is right here, unlike for passwords: each holds 256 random bits, so no guess can be
 * checked against a stolen hash any faster than against the server, and every call pays it.
 */
export function hashSessionToken(token: string): string {
  // The one-shot `hash` (the same digest) makes no Hash object: ~3 µs a call where
  // `createHash().update().digest()` took ~10 at load, and every authenticated request pays it.
  return hash("sha256", token, "hex");
}

const API_KEY_PREFIX = "ntr_";

/** A new API key: 256 random bits, base64url, behind `ntr_` so that secret scanners spot it and natter routes it. */
export function generateApiKey(): string {
  return API_KEY_PREFIX + randomBytes(32).toString("base64url");
}

/** Whether a bearer token is an API key rather than a session token. */
export function isApiKey(token: string): boolean {
  return token.startsWith(API_KEY_PREFIX);
}

/** What a key is listed by: `ntr_` and its next 8 characters (48 of its 256 bits: nothing to guess from). */
export function apiKeyPrefix(key: string): string {
  return key.slice(0, API_KEY_PREFIX.length + 8);
}
