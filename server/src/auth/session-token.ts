import { createHash, randomBytes } from "node:crypto";

const TOKEN_PREFIX = "nat_";

/** A new bearer token: 256 random bits, base64url, with a prefix that secret scanners can spot. */
export function generateSessionToken(): string {
  return TOKEN_PREFIX + randomBytes(32).toString("base64url");
}

/** The only form in which a token is stored or looked up. */
export function hashSessionToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}
