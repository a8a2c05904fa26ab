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
  const headers = authorizationHeaders(req.rawHeaders);
  if (headers.length === 0) return undefined;
  const match = headers.length === 1 ? /^Bearer\s+(\S+)\s*$/i.exec(headers[0] ?? "") : null;
  if (!match?.[1]) throw new NatterError("UNAUTHENTICATED", "Send one token as `Authorization: Bearer <token>`");
  return match[1];
}

/**
 * The values of every `Authorization` header, in order, as `req.headersDistinct.authorization`
 * holds them: read from the raw headers, as that getter builds an array for every header of
 * the request (~9k instructions of every REST call, callgrind) to answer for one.
 */
function authorizationHeaders(rawHeaders: readonly string[]): string[] {
  const values: string[] = [];
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i] as string;
    if (name.length === 13 && name.toLowerCase() === "authorization") values.push(rawHeaders[i + 1] as string);
  }
  return values;
}
