import { createHmac } from "node:crypto";
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
    const timestamp = String(Math.floor(now / 1000));
    const signature = message.secrets.map((secret) => sign(secret, message.id, timestamp, message.body)).join(" ");
    return this.poster.post(
      {
        url: message.url,
        headers: {
          "content-type": "application/json",
          "user-agent": "natter-webhooks/1",
          "webhook-id": message.id,
          "webhook-timestamp": timestamp,
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

/**
 * One `v1,` signature as Standard Webhooks 1.0 defines it: base64 of HMAC-SHA256, keyed with
 * the secret's bytes (base64 after `whsec_`), of `{id}.{timestamp}.{body}`. Node's own HMAC:
 * the `standardwebhooks` package's `sign` hashes in JavaScript, several times slower per
 * delivery. Receivers (and the tests) verify with that package.
 */
function sign(secret: string, id: string, timestamp: string, body: string): string {
  const key = Buffer.from(secret.startsWith("whsec_") ? secret.slice(6) : secret, "base64");
  return `v1,${createHmac("sha256", key).update(`${id}.${timestamp}.`).update(body).digest("base64")}`;
}
