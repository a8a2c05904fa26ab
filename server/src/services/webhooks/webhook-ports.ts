import type { AttemptOutcome } from "../outbox/attempt-outcome.js";

export type { AttemptOutcome };

/** One delivery attempt's message: what to sign and where to send it. */
export interface OutgoingMessage {
  url: string;
  /** The `webhook-id`: the same on every attempt of one delivery. */
  id: string;
  body: string;
  /** The secrets to sign with: the current one, and the previous one while it is still honoured. */
  secrets: readonly string[];
}

/** What sends webhook messages over the network (`outbound/webhook-sender.ts`). */
export interface WebhookTransport {
  /** Sends one signed attempt at the instant `now` (ms); never throws. `signal` aborts it. */
  send(message: OutgoingMessage, now: number, signal?: AbortSignal): Promise<AttemptOutcome>;
}

/** What decides whether a URL may be registered (`outbound/outbound-url-policy.ts`). */
export interface WebhookUrlCheck {
  /** Resolves if the URL may be registered; VALIDATION_FAILED naming the rule otherwise. */
  check(url: string): Promise<unknown>;
}
