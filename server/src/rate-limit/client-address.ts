import { expandIPv6, isIPAddress, type TrustedProxies } from "../config/trusted-proxies.js";

/**
 * The address a client is counted under by per-address limits. An IPv4 address counts as
 * itself (also when it arrives IPv4-mapped, `::ffff:10.0.0.1`); an IPv6 address counts as its
 * /64 network, the block a single subscriber is usually handed, so that one client cannot
 * escape its limits by rotating through its own addresses.
 */
export function clientAddressKey(remoteAddress: string | undefined): string {
  if (!remoteAddress) return "unknown";
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(remoteAddress);
  if (mapped?.[1]) return mapped[1];
  // Socket addresses are valid IPs, and only IPv6 ones hold a colon.
  if (!remoteAddress.includes(":")) return remoteAddress;
  return `${expandIPv6(remoteAddress).slice(0, 4).join(":")}::/64`;
}

/** A request as far as where it comes from: its socket's peer and what proxies say it forwards. */
export interface RequestOrigin {
  socket: { remoteAddress?: string | undefined };
  headers: Record<string, string | string[] | undefined>;
}

/**
 * The key per-address limits count a request under (`clientAddressKey`). The peer is the
 * client, unless it is a trusted proxy: then the client is the nearest address in
 * `X-Forwarded-For`, read from the right, that is not itself a trusted proxy. Addresses left
 * of it are whatever the client wrote, and never believed; an entry that is no address stops
 * the walk at the last proxy that was trusted.
 */
export function requestClientAddress(req: RequestOrigin, proxies: TrustedProxies): string {
  let client = req.socket.remoteAddress;
  const header = req.headers["x-forwarded-for"];
  if (header !== undefined && proxies.trusts(client)) {
    const hops = (Array.isArray(header) ? header.join(",") : header).split(",").map((hop) => hop.trim());
    for (const hop of hops.reverse()) {
      if (!isIPAddress(hop)) break;
      client = hop;
      if (!proxies.trusts(hop)) break;
    }
  }
  return clientAddressKey(client);
}
