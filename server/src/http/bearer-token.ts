import type { IncomingMessage } from "node:http";

/** The token of an `Authorization: Bearer <token>` header, if there is one. */
export function readBearerToken(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization;
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}
