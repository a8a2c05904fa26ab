import { type ClientRequest, Agent as HttpAgent, request as httpRequest, type IncomingMessage } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import type { AttemptOutcome } from "../services/outbox/attempt-outcome.js";
import { parseRetryAfter } from "../services/outbox/retry-schedule.js";
import { ADDRESS_REFUSED, type OutboundUrlPolicy } from "./outbound-url-policy.js";

/** The most of a response that is read; the rest is not waited for. */
const RESPONSE_READ_MAX = 64 * 1024;
/** The most of a response that is kept, for the deliveries list. */
const RESPONSE_KEEP_MAX = 1024;

/** One request of an outbox's attempt. */
export interface GuardedRequest {
  url: string;
  headers: Record<string, string | number>;
  body: string | Buffer;
}

/**
 * POSTs to URLs the policy allows, through its guarded lookup (every connection is checked on
 * the address it connects to), without following redirects, within `timeoutMs` for the whole
 * attempt, reading at most 64 KB of the answer. Connections are kept alive between attempts
 * to one receiver. Shared by the webhook and Web Push senders.
 */
export class GuardedPoster {
  private readonly http = new HttpAgent({ keepAlive: true, maxSockets: 16, timeout: 30_000 });
  private readonly https = new HttpsAgent({ keepAlive: true, maxSockets: 16, timeout: 30_000 });
  /**
   * The requests in flight under each abort signal, all destroyed when it fires. One listener
   * per signal (the worker's stop signal is one for all its attempts), not one per request:
   * adding and removing an `EventTarget` listener cost more per delivery than the signing.
   */
  private readonly inFlight = new WeakMap<AbortSignal, Set<ClientRequest>>();

  constructor(
    private readonly policy: OutboundUrlPolicy,
    private readonly timeoutMs: number,
  ) {}

  /** Sends one POST; never throws. `signal` aborts it (shutdown). */
  post({ url: target, headers, body }: GuardedRequest, signal?: AbortSignal): Promise<AttemptOutcome> {
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
      url = new URL(target);
    } catch {
      return Promise.resolve(outcome({ error: "invalid URL" }));
    }
    const literal = this.policy.refusedLiteral(url);
    if (literal !== undefined) {
      return Promise.resolve(outcome({ error: `refused address ${literal}`, permanent: true }));
    }
    const https = url.protocol === "https:";
    return new Promise((resolve) => {
      let settled = false;
      const finish = (result: AttemptOutcome) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (signal) this.inFlight.get(signal)?.delete(request);
        resolve(result);
      };
      const request = (https ? httpsRequest : httpRequest)(url, {
        method: "POST",
        agent: https ? this.https : this.http,
        lookup: this.policy.lookup,
        headers: { ...headers, "content-length": Buffer.byteLength(body) },
      });
      const timer = setTimeout(
        () => request.destroy(new Error(`no answer within ${this.timeoutMs} ms`)),
        this.timeoutMs,
      );
      if (signal) this.track(signal, request);
      request.on("error", (error: NodeJS.ErrnoException) =>
        finish(outcome({ error: describe(error), ...(error.code === ADDRESS_REFUSED && { permanent: true }) })),
      );
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
      request.end(body);
    });
  }

  /** Destroys `request` when `signal` fires (at once if it has). */
  private track(signal: AbortSignal, request: ClientRequest): void {
    const stopped = () => new Error("aborted: the server is stopping");
    if (signal.aborted) {
      request.destroy(stopped());
      return;
    }
    let requests = this.inFlight.get(signal);
    if (!requests) {
      const set = new Set<ClientRequest>();
      requests = set;
      this.inFlight.set(signal, set);
      signal.addEventListener(
        "abort",
        () => {
          for (const inFlight of set) inFlight.destroy(stopped());
          set.clear();
        },
        { once: true },
      );
    }
    requests.add(request);
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
