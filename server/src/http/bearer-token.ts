import type { IncomingMessage } from "node:http";
import { NatterError } from "@natter/shared";
import { toTRPCError } from "../trpc/error-mapping.js";

/**
 * The token of an `Authorization: Bearer <token>` header; undefined without the header.
 * Any other header (another scheme, several tokens, several headers) is refused with a
 * 401 rather than ignored: taken as anonymous, a log-out would answer ok and end nothing.
 */
export function readBearerToken(req: IncomingMessage): string | undefined {
  try {
    return bearerTokenOf(req);
  } catch (error) {
    throw error instanceof NatterError ? toTRPCError(error) : error;
  }
}

/** `readBearerToken` for natter's own routes, which answer natter's error themselves. */
export function bearerTokenOf(req: IncomingMessage): string | undefined {
  const headers = req.headersDistinct.authorization;
  if (!headers) return undefined;
  const match = headers.length === 1 ? /^Bearer\s+(\S+)\s*$/i.exec(headers[0] ?? "") : null;
  if (!match?.[1]) throw new NatterError("UNAUTHENTICATED", "Send one token as `Authorization: Bearer <token>`");
  return match[1];
}
