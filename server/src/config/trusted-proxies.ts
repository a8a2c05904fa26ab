import { z } from "zod";

/** An address or network the setting names, as a number and the count of leading bits that must match. */
interface Network {
  family: 4 | 6;
  bits: bigint;
  prefix: number;
}

/**
 * The proxies whose `X-Forwarded-For` is believed (`NATTER_TRUSTED_PROXIES`): addresses and
 * networks such as `10.0.0.1`, `10.0.0.0/8`, `fd00::/8`. With none, every request counts under
 * its socket's address, as anyone can write the header.
 */
export class TrustedProxies {
  private readonly networks: Network[];

  /** Throws on an entry that is no address or network. */
  constructor(entries: readonly string[]) {
    this.networks = entries.map((entry) => {
      const network = parseNetwork(entry);
      if (!network) throw new Error(`not an address or network: ${entry}`);
      return network;
    });
  }

  /** Whether `address` is one of the trusted proxies. */
  trusts(address: string | undefined): boolean {
    const ip = address === undefined ? undefined : parseAddress(address);
    return ip !== undefined && this.networks.some((network) => contains(network, ip));
  }
}

function parseNetwork(entry: string): Network | undefined {
  const [address = "", prefixText, ...rest] = entry.trim().split("/");
  const ip = parseAddress(address);
  if (!ip || rest.length > 0) return undefined;
  const width = ip.family === 4 ? 32 : 128;
  if (prefixText === undefined) return { ...ip, prefix: width };
  if (!/^\d{1,3}$/.test(prefixText) || Number(prefixText) > width) return undefined;
  return { ...ip, prefix: Number(prefixText) };
}

function contains(network: Network, ip: { family: 4 | 6; bits: bigint }): boolean {
  if (network.family !== ip.family) return false;
  const shift = BigInt((network.family === 4 ? 32 : 128) - network.prefix);
  return network.bits >> shift === ip.bits >> shift;
}

/** Whether `text` is an IPv4 or IPv6 address. */
export function isIPAddress(text: string): boolean {
  return parseAddress(text) !== undefined;
}

/** An IPv4 or IPv6 address as a number (IPv4-mapped IPv6 as IPv4), or undefined when it is none. */
function parseAddress(text: string): { family: 4 | 6; bits: bigint } | undefined {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(text);
  const v4 = parseIPv4(mapped?.[1] ?? text);
  if (v4 !== undefined) return { family: 4, bits: v4 };
  if (!/^[0-9a-f:]+$/i.test(text) || (text.match(/::/g) ?? []).length > 1) return undefined;
  const groups = expandIPv6(text);
  if (groups.length !== 8 || !groups.every((group) => /^[0-9a-f]{1,4}$/.test(group))) return undefined;
  return { family: 6, bits: groups.reduce((bits, group) => (bits << 16n) | BigInt(`0x${group}`), 0n) };
}

function parseIPv4(text: string): bigint | undefined {
  const parts = text.split(".");
  if (parts.length !== 4 || !parts.every((part) => /^\d{1,3}$/.test(part) && Number(part) <= 255)) return undefined;
  return parts.reduce((bits, part) => (bits << 8n) | BigInt(part), 0n);
}

/**
 * `NATTER_TRUSTED_PROXIES`: comma-separated addresses and networks, such as
 * `10.0.0.1, 10.0.0.0/8, fd00::/8`; empty for none.
 */
export const trustedProxiesSchema = z
  .string()
  .refine(
    (list) => splitList(list).every((entry) => parseNetwork(entry) !== undefined),
    "each entry must be an IPv4 or IPv6 address, or a network such as 10.0.0.0/8 or fd00::/8",
  )
  .transform((list) => new TrustedProxies(splitList(list)));

function splitList(list: string): string[] {
  return list
    .split(",")
    .map((entry) => entry.trim())
    .filter(Boolean);
}

/** The eight groups of an IPv6 address, without zero compression or a zone. */
export function expandIPv6(address: string): string[] {
  const [head = "", tail] = address.split("%")[0]?.split("::") ?? [];
  const left = head ? head.split(":") : [];
  const right = tail ? tail.split(":") : [];
  const groups = tail === undefined ? left : [...left, ...Array(8 - left.length - right.length).fill("0"), ...right];
  return groups.map((group) => group.replace(/^0+(?=.)/, "").toLowerCase());
}
