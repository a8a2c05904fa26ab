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

/** The eight groups of an IPv6 address, without zero compression or a zone. */
function expandIPv6(address: string): string[] {
  const [head = "", tail] = address.split("%")[0]?.split("::") ?? [];
  const left = head ? head.split(":") : [];
  const right = tail ? tail.split(":") : [];
  const groups = tail === undefined ? left : [...left, ...Array(8 - left.length - right.length).fill("0"), ...right];
  return groups.map((group) => group.replace(/^0+(?=.)/, "").toLowerCase());
}
