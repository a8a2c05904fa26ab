import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import { isIP, type LookupFunction } from "node:net";
import { NatterError } from "@natter/shared";
import type { WebhookUrlCheck } from "../services/webhooks/webhook-ports.js";
import { isRefusedAddress } from "./refused-addresses.js";

/**
 * Where webhooks may go: `http:` and `https:` URLs whose host is not, and does not resolve
 * to, a refused address (see `isRefusedAddress`), unless private networks are allowed
 * (`NATTER_WEBHOOK_ALLOW_PRIVATE_NETWORKS=true`, for tests and closed deployments). Checked
 * when an endpoint is registered and again by every connection, on the address it connects
 * to, so that a name that resolves elsewhere later (DNS rebinding) is refused too.
 */
export class WebhookUrlPolicy implements WebhookUrlCheck {
  constructor(private readonly allowPrivateNetworks: boolean) {}

  /** The URL if it may be registered; VALIDATION_FAILED naming the rule otherwise. */
  async check(url: string): Promise<URL> {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw refused("not a valid absolute URL");
    }
    if (parsed.protocol !== "https:" && parsed.protocol !== "http:") {
      throw refused("only https: and http: URLs are allowed");
    }
    if (this.allowPrivateNetworks) return parsed;
    const host = hostOf(parsed);
    const addresses = isIP(host) ? [host] : await resolveAll(host);
    const bad = addresses.find(isRefusedAddress);
    if (bad !== undefined) {
      throw refused(
        `url: ${host} is or resolves to ${bad}, a private, loopback, link-local or metadata address; ` +
          "webhooks may only reach public addresses",
      );
    }
    return parsed;
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
          code: "ERR_WEBHOOK_ADDRESS_REFUSED",
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
      if (error) reject(refused(`${host} does not resolve`));
      else resolve(addresses.map((a) => a.address));
    });
  });
}

/** A refused URL, as a validation failure of the `url` field naming the rule it breaks. */
function refused(rule: string): NatterError {
  return new NatterError("VALIDATION_FAILED", `Webhook URL refused: ${rule}`, {
    issues: [{ path: "url", message: rule }],
  });
}
