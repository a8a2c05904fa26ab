import type { IncomingHttpHeaders } from "node:http";
import { Agent, type Dispatcher } from "undici";
import type { AttemptOutcome } from "../services/outbox/attempt-outcome.js";
import { parseRetryAfter } from "../services/outbox/retry-schedule.js";
import { ADDRESS_REFUSED, type OutboundUrlPolicy } from "./outbound-url-policy.js";

/** The most of a response that is read; the rest is not waited for. */
const RESPONSE_READ_MAX = 64 * 1024;
/** The most of a response that is kept, for the deliveries list. */
const RESPONSE_KEEP_MAX = 1024;
/** Connections kept to one receiver (origin) at most. */
const CONNECTIONS_PER_ORIGIN = 16;
/** How long an idle kept-alive connection stays open, unless the receiver says less. */
const KEEP_ALIVE_MS = 30_000;

/** One request of an outbox's attempt. */
export interface GuardedRequest {
  url: string;
  /** Request headers; undici sets `content-length` from the body (one given must match it). */
  headers: Record<string, string>;
  body: string | Buffer;
}

/**
 * POSTs to URLs the policy allows, through its guarded lookup (every connection is checked on
 * the address it connects to), without following redirects, within `timeoutMs` for the whole
 * attempt, reading at most 64 KB of the answer. Connections are kept alive between attempts
 * to one receiver. Shared by the webhook and Web Push senders.
 *
 * The requests go through undici's `Agent.dispatch` with a handler of our own (one object per
 * attempt), not `node:http`: a signed webhook delivery to a local receiver costs about half
 * the CPU (261 -> 143 µs, sequential, interleaved in one process, load 43), and a delivery's
 * CPU is mostly its request. `dispatch` follows no redirect (that takes an interceptor, not
 * added here) and connects through `connect.lookup`, the policy's; `guarded-post.test.ts`
 * holds it to that.
 */
export class GuardedPoster {
  private readonly agent: Agent;
  /**
   * The attempts in flight under each abort signal, all ended when it fires. One listener per
   * signal (the worker's stop signal is one for all its attempts), not one per request:
   * adding and removing an `EventTarget` listener cost more per delivery than the signing.
   */
  private readonly inFlight = new WeakMap<AbortSignal, Set<Attempt>>();

  constructor(
    private readonly policy: OutboundUrlPolicy,
    private readonly timeoutMs: number,
  ) {
    this.agent = new Agent({
      connect: { lookup: policy.lookup, timeout: timeoutMs },
      connections: CONNECTIONS_PER_ORIGIN,
      keepAliveTimeout: KEEP_ALIVE_MS,
    });
  }

  /** Sends one POST; never throws. `signal` aborts it (shutdown). */
  post({ url: target, headers, body }: GuardedRequest, signal?: AbortSignal): Promise<AttemptOutcome> {
    const started = performance.now();
    let url: URL;
    try {
      url = new URL(target);
    } catch {
      return Promise.resolve(failure(started, "invalid URL"));
    }
    const literal = this.policy.refusedLiteral(url);
    if (literal !== undefined) {
      return Promise.resolve(failure(started, `refused address ${literal}`, true));
    }
    if (signal?.aborted) return Promise.resolve(failure(started, STOPPED));
    return new Promise((resolve) => {
      const attempt = new Attempt(started, (outcome) => {
        clearTimeout(timer);
        if (signal) this.inFlight.get(signal)?.delete(attempt);
        resolve(outcome);
      });
      const timer = setTimeout(() => attempt.end(`no answer within ${this.timeoutMs} ms`), this.timeoutMs);
      if (signal) this.track(signal, attempt);
      try {
        this.agent.dispatch(
          { origin: url.origin, path: `${url.pathname}${url.search}`, method: "POST", headers, body },
          attempt,
        );
      } catch (error) {
        attempt.onResponseError(undefined, error as Error);
      }
    });
  }

  /** Ends `attempt` when `signal` fires. */
  private track(signal: AbortSignal, attempt: Attempt): void {
    let attempts = this.inFlight.get(signal);
    if (!attempts) {
      const set = new Set<Attempt>();
      attempts = set;
      this.inFlight.set(signal, set);
      signal.addEventListener(
        "abort",
        () => {
          for (const inFlight of set) inFlight.end(STOPPED);
          set.clear();
        },
        { once: true },
      );
    }
    attempts.add(attempt);
  }

  /** Closes the kept-alive connections. */
  close(): void {
    void this.agent.destroy().catch(() => undefined);
  }
}

const STOPPED = "aborted: the server is stopping";

/** An outcome with no answer. */
function failure(started: number, error: string, permanent = false): AttemptOutcome {
  return {
    statusCode: null,
    durationMs: Math.round(performance.now() - started),
    error,
    response: null,
    retryAfterMs: undefined,
    ...(permanent && { permanent }),
  };
}

/**
 * One POST in flight, as undici's dispatch handler: collects the status, `Retry-After` and the
 * first 1 KB of the answer, stops reading at 64 KB, and settles once (answer, error, timeout
 * or stop, whichever comes first), aborting the request if it is still going.
 */
class Attempt implements Dispatcher.DispatchHandler {
  private controller: Dispatcher.DispatchController | undefined;
  private settled = false;
  /** The request is over on undici's side (answered or failed): nothing to abort. */
  private over = false;
  private statusCode: number | null = null;
  private retryAfter: string | undefined;
  private readonly chunks: Buffer[] = [];
  private read = 0;

  constructor(
    private readonly started: number,
    private readonly settle: (outcome: AttemptOutcome) => void,
  ) {}

  /** Settles with `error` (a timeout, a stop) and abandons the request. */
  end(error: string): void {
    this.finish(failure(this.started, error));
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    // Ended while waiting for a connection: the request is not sent.
    if (this.settled) controller.abort(new Error("attempt ended"));
  }

  onResponseStart(_controller: Dispatcher.DispatchController, statusCode: number, headers: IncomingHttpHeaders): void {
    this.statusCode = statusCode;
    const header = headers["retry-after"];
    this.retryAfter = Array.isArray(header) ? header[0] : header;
  }

  onResponseData(_controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.read < RESPONSE_KEEP_MAX) this.chunks.push(chunk);
    this.read += chunk.length;
    if (this.read >= RESPONSE_READ_MAX) this.answered();
  }

  onResponseEnd(): void {
    this.over = true;
    this.answered();
  }

  onResponseError(_controller: Dispatcher.DispatchController | undefined, error: Error): void {
    this.over = true;
    // A receiver that stops mid-answer still answered with its status.
    if (this.statusCode !== null) {
      this.answered();
      return;
    }
    const code = (error as NodeJS.ErrnoException).code;
    this.finish(failure(this.started, code ? `${code}: ${error.message}` : error.message, code === ADDRESS_REFUSED));
  }

  private answered(): void {
    const text = Buffer.concat(this.chunks).subarray(0, RESPONSE_KEEP_MAX).toString("utf8");
    this.finish({
      statusCode: this.statusCode,
      durationMs: Math.round(performance.now() - this.started),
      error: null,
      response: text === "" ? null : text,
      retryAfterMs: parseRetryAfter(this.retryAfter, Date.now()),
    });
  }

  private finish(outcome: AttemptOutcome): void {
    if (this.settled) return;
    this.settled = true;
    this.settle(outcome);
    // Stop a request still going (timeout, stop, 64 KB read): its connection is not reused.
    if (!this.over) this.controller?.abort(new Error("attempt ended"));
  }
}
