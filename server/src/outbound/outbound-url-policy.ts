import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import { isIP, type LookupFunction } from "node:net";
import { NatterError } from "@natter/shared";
import type { WebhookUrlCheck } from "../services/webhooks/webhook-ports.js";
import { isRefusedAddress } from "./refused-addresses.js";

/** The error code of a connection refused because its name resolves only to refused addresses. */
export const ADDRESS_REFUSED = "ERR_WEBHOOK_ADDRESS_REFUSED";

/** What a policy guards, as its refusals name it. */
export interface GuardedUrlKind {
  /** `Webhook URL`, `Push endpoint`. */
  what: string;
  /** The input field a refusal points at: `url`, `endpoint`. */
  field: string;
  /** Who may only reach public addresses: `webhooks`, `push notifications`. */
  who: string;
}

const WEBHOOK_URL: GuardedUrlKind = { what: "Webhook URL", field: "url", who: "webhooks" };

/**
 * Where outgoing requests (webhooks, Web Push) may go: `http:` and `https:` URLs whose host
 * is not, and does not resolve to, a refused address (see `isRefusedAddress`), unless private
 * networks are allowed (`NATTER_WEBHOOK_ALLOW_PRIVATE_NETWORKS=true`,
 * `NATTER_PUSH_ALLOW_PRIVATE_NETWORKS=true`, for tests and closed deployments). Checked when a
 * URL is registered and again by every connection, on the address it connects to, so that a
 * name that resolves elsewhere later (DNS rebinding) is refused too.
 */
export class OutboundUrlPolicy implements WebhookUrlCheck {
  constructor(
    private readonly allowPrivateNetworks: boolean,
    private readonly kind: GuardedUrlKind = WEBHOOK_URL,
  ) {}

  /** The URL if it may be registered; VALIDATION_FAILED naming the rule otherwise. */
  async check(url: string): Promise<URL> {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw this.refused("not a valid absolute URL");
    }
    if (parsed.protocol !== "https:" && parsed.protocol !== "http:") {
      throw this.refused("only https: and http: URLs are allowed");
    }
    if (this.allowPrivateNetworks) return parsed;
    const host = hostOf(parsed);
    const addresses = isIP(host) ? [host] : await resolveAll(host).catch(() => undefined);
    if (addresses === undefined) throw this.refused(`${host} does not resolve`);
    const bad = addresses.find(isRefusedAddress);
    if (bad !== undefined) {
      throw this.refused(
        `${this.kind.field}: ${host} is or resolves to ${bad}, a private, loopback, link-local or metadata address; ` +
          `${this.kind.who} may only reach public addresses`,
      );
    }
    return parsed;
  }

  /** A refused URL, as a validation failure of the guarded field naming the rule it breaks. */
  private refused(rule: string): NatterError {
    return new NatterError("VALIDATION_FAILED", `${this.kind.what} refused: ${rule}`, {
      issues: [{ path: this.kind.field, message: rule }],
    });
  }

  /** Refuses an IP-literal host at connect time (a name is checked by `lookup`). */
  refusedLiteral(url: URL): string | undefined {
    const host = hostOf(url);
    return !this.allowPrivateNetworks && isIP(host) && isRefusedAddress(host) ? host : undefined;
  }

  /** A `lookup` for outgoing connections: resolves the name, then refuses refused addresses. */
  readonly lookup: LookupFunction = (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
      if (error) return callback(error, "", 0);
      const allowed = this.allowPrivateNetworks ? addresses : addresses.filter((a) => !isRefusedAddress(a.address));
      if (allowed.length === 0) {
        const refusal = Object.assign(new Error(`${hostname} resolves only to refused addresses`), {
          code: ADDRESS_REFUSED,
        });
        return callback(refusal, "", 0);
      }
      if (options.all) return (callback as (e: null, a: LookupAddress[]) => void)(null, allowed);
      const [first] = allowed as [LookupAddress];
      callback(null, first.address, first.family);
    });
  };
}

/** The URL's host without the brackets of an IPv6 literal. */
function hostOf(url: URL): string {
  const host = url.hostname;
  return host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host;
}

function resolveAll(host: string): Promise<string[]> {
  return new Promise((resolve, reject) => {
    dnsLookup(host, { all: true }, (error, addresses) => {
      if (error) reject(error);
      else resolve(addresses.map((a) => a.address));
    });
  });
}
