import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import { Webhook } from "standardwebhooks";
import { parseRetryAfter } from "../services/webhooks/retry-schedule.js";
import type { AttemptOutcome, OutgoingMessage, WebhookTransport } from "../services/webhooks/webhook-ports.js";
import type { WebhookUrlPolicy } from "./webhook-url-policy.js";

/** The most of a response that is read; the rest is not waited for. */
const RESPONSE_READ_MAX = 64 * 1024;
/** The most of a response that is kept, for the deliveries list. */
const RESPONSE_KEEP_MAX = 1024;

/**
 * Sends webhook messages signed as the Standard Webhooks specification 1.0 says (`webhook-id`,
 * `webhook-timestamp` in seconds, `webhook-signature` with one `v1,` signature per secret,
 * space-separated), through the URL policy's guarded lookup, without following redirects,
 * within `timeoutMs` for the whole attempt, reading at most 64 KB of the answer. Connections
 * are kept alive between attempts to one receiver.
 */
export class WebhookSender implements WebhookTransport {
  private readonly http = new HttpAgent({ keepAlive: true, maxSockets: 16, timeout: 30_000 });
  private readonly https = new HttpsAgent({ keepAlive: true, maxSockets: 16, timeout: 30_000 });

  constructor(
    private readonly policy: WebhookUrlPolicy,
    private readonly timeoutMs: number,
  ) {}

  /** Sends one attempt at the instant `now` (ms); never throws. `signal` aborts it (shutdown). */
  send(message: OutgoingMessage, now: number, signal?: AbortSignal): Promise<AttemptOutcome> {
    const started = performance.now();
    const outcome = (fields: Partial<AttemptOutcome>): AttemptOutcome => ({
      statusCode: null,
      error: null,
      response: null,
      retryAfterMs: undefined,
      ...fields,
      durationMs: Math.round(performance.now() - started),
    });
    let url: URL;
    try {
      url = new URL(message.url);
    } catch {
      return Promise.resolve(outcome({ error: "invalid URL" }));
    }
    const literal = this.policy.refusedLiteral(url);
    if (literal !== undefined) {
      return Promise.resolve(outcome({ error: `refused address ${literal}` }));
    }
    const timestamp = new Date(now);
    const signature = message.secrets
      .map((secret) => new Webhook(secret).sign(message.id, timestamp, message.body))
      .join(" ");
    const https = url.protocol === "https:";
    return new Promise((resolve) => {
      let settled = false;
      const finish = (result: AttemptOutcome) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        resolve(result);
      };
      const request = (https ? httpsRequest : httpRequest)(url, {
        method: "POST",
        agent: https ? this.https : this.http,
        lookup: this.policy.lookup,
        headers: {
          "content-type": "application/json",
          "content-length": Buffer.byteLength(message.body),
          "user-agent": "natter-webhooks/1",
          "webhook-id": message.id,
          "webhook-timestamp": String(Math.floor(now / 1000)),
          "webhook-signature": signature,
        },
      });
      const timer = setTimeout(
        () => request.destroy(new Error(`no answer within ${this.timeoutMs} ms`)),
        this.timeoutMs,
      );
      const onAbort = () => request.destroy(new Error("aborted: the server is stopping"));
      signal?.addEventListener("abort", onAbort, { once: true });
      request.on("error", (error: NodeJS.ErrnoException) => finish(outcome({ error: describe(error) })));
      request.on("response", (response: IncomingMessage) => {
        const chunks: Buffer[] = [];
        let read = 0;
        const done = () => {
          const text = Buffer.concat(chunks).subarray(0, RESPONSE_KEEP_MAX).toString("utf8");
          const header = response.headers["retry-after"];
          finish(
            outcome({
              statusCode: response.statusCode ?? null,
              response: text === "" ? null : text,
              retryAfterMs: parseRetryAfter(Array.isArray(header) ? header[0] : header, Date.now()),
            }),
          );
        };
        response.on("data", (chunk: Buffer) => {
          if (read < RESPONSE_KEEP_MAX) chunks.push(chunk);
          read += chunk.length;
          if (read >= RESPONSE_READ_MAX) {
            done();
            response.destroy();
          }
        });
        response.on("end", done);
        // A receiver that stops mid-answer still answered with its status.
        response.on("error", done);
        response.on("aborted", done);
      });
      request.end(message.body);
    });
  }

  /** Closes the kept-alive connections. */
  close(): void {
    this.http.destroy();
    this.https.destroy();
  }
}

function describe(error: NodeJS.ErrnoException): string {
  return error.code ? `${error.code}: ${error.message}` : error.message;
}
