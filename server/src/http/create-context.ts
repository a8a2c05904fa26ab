import type { IncomingMessage } from "node:http";
import type { TrustedProxies } from "../config/trusted-proxies.js";
import { requestClientAddress } from "../rate-limit/client-address.js";
import type { Services } from "../services/services.js";
import type { RequestContext, Transport } from "../trpc/context.js";
import { readBearerToken } from "./bearer-token.js";

/**
 * Resolves the caller of an HTTP request once, from its bearer token and its address (the
 * forwarded one when the peer is one of `proxies`).
 */
export function httpContextFactory({ accounts, writeLimits }: Services, transport: Transport, proxies: TrustedProxies) {
  return async ({ req }: { req: IncomingMessage }): Promise<RequestContext> => {
    const token = readBearerToken(req);
    const session = token ? await accounts.authenticate(token) : null;
    return {
      session,
      endedToken: token !== undefined && session === null,
      transport,
      userAgent: req.headers["user-agent"],
      clientAddress: requestClientAddress(req, proxies),
      writeLimits,
    };
  };
}
