import type { Clock } from "../clock/clock.js";
import type { RateLimitRule, RateLimitStore } from "./rate-limit-store.js";
import { rateLimitedError } from "./rate-limited-error.js";

/**
 * The writes that are rate limited, each over every transport (REST, tRPC batches, WebSocket),
 * and `search`, a read that costs as much as a write.
 */
export type WriteKind =
  | "signUp"
  | "logIn"
  | "roomCreate"
  | "messageSend"
  | "botSend"
  | "incomingWebhook"
  | "eventStreamTicket"
  | "adminWrite"
  | "search"
  | "dataExport"
  | "pushSubscribe";

/** How often one client address, and one account, may make a kind of write. */
export interface WriteRules {
  perAddress?: RateLimitRule;
  perAccount?: RateLimitRule;
}

/** Who makes a write. */
export interface Writer {
  /** The client address as `clientAddressKey` gives it. */
  address: string;
  /** The signed-in user, if any. */
  userId?: string | undefined;
}

const REFUSALS: Record<WriteKind, string> = {
  signUp: "Too many sign-ups",
  logIn: "Too many log-ins",
  roomCreate: "Too many rooms created",
  messageSend: "Too many messages sent",
  botSend: "Too many messages sent by this bot",
  incomingWebhook: "Too many posts through this incoming webhook",
  eventStreamTicket: "Too many event-stream tickets asked for",
  adminWrite: "Too many admin changes",
  search: "Too many searches",
  dataExport: "One data export an hour",
  pushSubscribe: "Too many push subscriptions made",
};

export interface WriteLimitsOptions {
  store: RateLimitStore;
  clock: Clock;
  rules: Record<WriteKind, WriteRules>;
  /** Off for load tests and benchmarks: every write is let through. */
  enabled: boolean;
}

/**
 * Per-address and per-account rate limits on the writes that cost the server most or can be
 * abused to flood it. A refused write answers RATE_LIMITED with `retryAfterSeconds`, which the
 * HTTP transports send as `Retry-After`.
 */
export class WriteLimits {
  constructor(private readonly options: WriteLimitsOptions) {}

  /** Counts one `kind` write by `writer`, or throws RATE_LIMITED when it is over a limit. */
  async take(kind: WriteKind, writer: Writer): Promise<void> {
    const { store, clock, rules, enabled } = this.options;
    if (!enabled) return;
    const { perAccount, perAddress } = rules[kind];
    const now = clock.now();
    if (perAccount && writer.userId !== undefined) {
      const decision = await store.hit(`write:${kind}:user:${writer.userId}`, perAccount, now);
      if (!decision.allowed) throw rateLimitedError(refusal(kind, "for this account"), decision.resetAt, now);
    }
    if (perAddress) {
      const decision = await store.hit(`write:${kind}:address:${writer.address}`, perAddress, now);
      if (!decision.allowed) throw rateLimitedError(refusal(kind, "from this address"), decision.resetAt, now);
    }
  }
}

function refusal(kind: WriteKind, scope: string): string {
  return `${REFUSALS[kind]} ${scope}; try again later`;
}
