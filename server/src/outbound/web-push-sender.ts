import webPush from "web-push";
import type { AttemptOutcome } from "../services/outbox/attempt-outcome.js";
import type { PushMessage, PushTransport, VapidKeys } from "../services/push/push-ports.js";
import type { GuardedPoster } from "./guarded-post.js";

/** How long push services keep a notification for a browser that is offline: a day. */
const TTL_SECONDS = 24 * 3600;

/**
 * Sends Web Push notifications: the `web-push` library encrypts the payload for the
 * subscription (RFC 8291, `aes128gcm`) and signs a VAPID token (RFC 8292); the request goes
 * out through the guarded poster, as webhooks do (policy-checked addresses, no redirects, a
 * timeout for the whole attempt).
 */
export class WebPushSender implements PushTransport {
  constructor(
    private readonly poster: GuardedPoster,
    private readonly vapid: VapidKeys,
  ) {}

  async send({ endpoint, keys, payload, topic }: PushMessage, signal?: AbortSignal): Promise<AttemptOutcome> {
    let details: ReturnType<typeof webPush.generateRequestDetails>;
    try {
      details = webPush.generateRequestDetails({ endpoint, keys }, payload, {
        vapidDetails: this.vapid,
        contentEncoding: "aes128gcm",
        TTL: TTL_SECONDS,
        urgency: "high",
        topic,
      });
    } catch (error) {
      // Keys a push service would refuse too (checked at subscription, so rare): no retry helps.
      return {
        statusCode: null,
        durationMs: 0,
        error: String(error),
        response: null,
        retryAfterMs: undefined,
        permanent: true,
      };
    }
    const headers: Record<string, string> = { "user-agent": "natter-push/1" };
    for (const [name, value] of Object.entries(details.headers)) headers[name.toLowerCase()] = String(value);
    return this.poster.post({ url: details.endpoint, headers, body: details.body ?? Buffer.alloc(0) }, signal);
  }
}
