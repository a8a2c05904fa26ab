import { BlockList, isIP } from "node:net";

/**
 * Where a webhook must never connect unless private networks are allowed: this host, the
 * private ranges, link-local (cloud metadata at 169.254.169.254 and fd00:ec2::254 among
 * them), carrier-grade NAT, multicast, documentation and reserved ranges, in IPv4 and IPv6.
 */
const REFUSED = new BlockList();
const REFUSED_V4: ReadonlyArray<[string, number]> = [
  ["0.0.0.0", 8],
  ["10.0.0.0", 8],
  ["100.64.0.0", 10],
  ["127.0.0.0", 8],
  ["169.254.0.0", 16],
  ["172.16.0.0", 12],
  ["192.0.0.0", 24],
  ["192.0.2.0", 24],
  ["192.88.99.0", 24],
  ["192.168.0.0", 16],
  ["198.18.0.0", 15],
  ["198.51.100.0", 24],
  ["203.0.113.0", 24],
  ["224.0.0.0", 4],
  ["240.0.0.0", 4],
];
const REFUSED_V6: ReadonlyArray<[string, number]> = [
  ["::", 128],
  ["::1", 128],
  ["100::", 64],
  ["2001:db8::", 32],
  ["fc00::", 7],
  ["fe80::", 10],
  ["fec0::", 10],
  ["ff00::", 8],
];
for (const [net, prefix] of REFUSED_V4) REFUSED.addSubnet(net, prefix, "ipv4");
for (const [net, prefix] of REFUSED_V6) REFUSED.addSubnet(net, prefix, "ipv6");

/**
 * Whether an IP address (v4, or v6 with or without brackets) is one a webhook may not reach.
 * IPv6 forms that carry an IPv4 address (mapped `::ffff:127.0.0.1`, compatible `::127.0.0.1`,
 * NAT64 `64:ff9b::/96`, 6to4 `2002::/16`) are judged by that address.
 */
export function isRefusedAddress(address: string): boolean {
  const bare = address.startsWith("[") && address.endsWith("]") ? address.slice(1, -1) : address;
  const family = isIP(bare);
  if (family === 4) return REFUSED.check(bare, "ipv4");
  if (family !== 6) return true;
  const embedded = embeddedIpv4(bare);
  if (embedded !== undefined && REFUSED.check(embedded, "ipv4")) return true;
  return REFUSED.check(bare, "ipv6");
}

/** The IPv4 address an IPv6 address carries in a well-known translation prefix, if any. */
function embeddedIpv4(address: string): string | undefined {
  const words = expandIpv6(address);
  if (!words) return undefined;
  const v4 = (high: number, low: number) => `${high >> 8}.${high & 0xff}.${low >> 8}.${low & 0xff}`;
  const zeros = (from: number, to: number) => words.slice(from, to).every((word) => word === 0);
  // ::ffff:a.b.c.d (mapped) and ::a.b.c.d (compatible, deprecated)
  if (zeros(0, 5) && (words[5] === 0xffff || words[5] === 0)) return v4(words[6] ?? 0, words[7] ?? 0);
  // 64:ff9b::/96 (NAT64)
  if (words[0] === 0x64 && words[1] === 0xff9b && zeros(2, 6)) return v4(words[6] ?? 0, words[7] ?? 0);
  // 2002::/16 (6to4): the IPv4 address follows the prefix
  if (words[0] === 0x2002) return v4(words[1] ?? 0, words[2] ?? 0);
  return undefined;
}

/** An IPv6 address as its eight 16-bit words, or undefined when it cannot be read. */
function expandIpv6(address: string): number[] | undefined {
  let text = address.split("%")[0] ?? "";
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = "", tail] = text.split("::");
  const parse = (part: string) => (part === "" ? [] : part.split(":").map((word) => Number.parseInt(word, 16)));
  const first = parse(head);
  const last = tail === undefined ? [] : parse(tail);
  const fill = 8 - first.length - last.length;
  if (fill < 0 || (tail === undefined && fill !== 0)) return undefined;
  const words = [...first, ...Array<number>(fill).fill(0), ...last];
  return words.every((word) => Number.isInteger(word) && word >= 0 && word <= 0xffff) ? words : undefined;
}
