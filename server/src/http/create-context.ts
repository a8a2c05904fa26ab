import type { IncomingMessage } from "node:http";
import { TrustedProxies } from "../config/trusted-proxies.js";
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
      isServerAdmin: (userId) => accounts.isServerAdmin(userId),
    };
  };
}

/** What tRPC's own adapters hand a `createContext`: the request, and a WebSocket's connection params. */
export interface AdapterContextOptions {
  req: IncomingMessage;
  info?: { connectionParams?: Record<string, string | undefined> | null };
}

/**
 * A `createContext` for mounting natter's router in tRPC's own adapters (`createHTTPHandler`,
 * `applyWSSHandler`, trpc-to-openapi's handlers): the caller from the `token` of the connection
 * params or the bearer token of the `Authorization` header, as natter's transports resolve it,
 * with the same write limits and a subscription count of its own per call. natter's own
 * transports add what these adapters cannot (connection ceilings, sockets that close with their
 * session, slow-reader drops); the contract suite runs both over the same router.
 */
export function adapterContextFactory(services: Services, proxies: TrustedProxies = new TrustedProxies([])) {
  const fromRequest = httpContextFactory(services, "http", proxies);
  return async ({ req, info }: AdapterContextOptions): Promise<RequestContext> => {
    const token = info?.connectionParams?.token;
    if (token === undefined) return { ...(await fromRequest({ req })), subscriptions: { open: 0 } };
    const session = await services.accounts.authenticate(token);
    return {
      session,
      endedToken: session === null,
      transport: "http",
      userAgent: req.headers["user-agent"],
      clientAddress: requestClientAddress(req, proxies),
      writeLimits: services.writeLimits,
      isServerAdmin: (userId) => services.accounts.isServerAdmin(userId),
      subscriptions: { open: 0 },
    };
  };
}
