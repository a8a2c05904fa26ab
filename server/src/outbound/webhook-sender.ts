import { Webhook } from "standardwebhooks";
import type { AttemptOutcome, OutgoingMessage, WebhookTransport } from "../services/webhooks/webhook-ports.js";
import type { GuardedPoster } from "./guarded-post.js";

/**
 * Sends webhook messages signed as the Standard Webhooks specification 1.0 says (`webhook-id`,
 * `webhook-timestamp` in seconds, `webhook-signature` with one `v1,` signature per secret,
 * space-separated), through the guarded poster (policy-checked addresses, no redirects, a
 * timeout for the whole attempt, at most 64 KB of the answer read).
 */
export class WebhookSender implements WebhookTransport {
  constructor(private readonly poster: GuardedPoster) {}

  /** Sends one attempt at the instant `now` (ms); never throws. `signal` aborts it (shutdown). */
  send(message: OutgoingMessage, now: number, signal?: AbortSignal): Promise<AttemptOutcome> {
    const timestamp = new Date(now);
    const signature = message.secrets
      .map((secret) => new Webhook(secret).sign(message.id, timestamp, message.body))
      .join(" ");
    return this.poster.post(
      {
        url: message.url,
        headers: {
          "content-type": "application/json",
          "user-agent": "natter-webhooks/1",
          "webhook-id": message.id,
          "webhook-timestamp": String(Math.floor(now / 1000)),
          "webhook-signature": signature,
        },
        body: message.body,
      },
      signal,
    );
  }

  /** Closes the kept-alive connections. */
  close(): void {
    this.poster.close();
  }
}
