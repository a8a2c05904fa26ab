import type { Server, ServerResponse } from "node:http";

/** How a drain ended. */
export interface DrainOutcome {
  /** Requests still unanswered at the deadline, whose connections were cut. */
  cut: number;
  /** Milliseconds from the start of the drain until every connection was closed. */
  ms: number;
}

/**
 * Stops an HTTP server so that it always finishes: it stops accepting connections, answers
 * the requests it has already read, and says `Connection: close` on every answer from then
 * on (keep-alive clients busy at the signal would otherwise keep their connections for ever),
 * closing each connection as it goes idle. At the deadline every connection still open is
 * cut. Requests in flight are tracked from `track`, called for each one as it arrives.
 */
export class HttpDrain {
  private readonly inFlight = new Map<ServerResponse, Promise<unknown>>();
  private draining = false;

  constructor(private readonly server: Server) {}

  /** Notes a request being answered by `work`; an answer begun after the drain closes its connection. */
  track(res: ServerResponse, work: Promise<unknown>): void {
    if (this.draining) res.setHeader("Connection", "close");
    this.inFlight.set(res, work);
    res.once("close", () => {
      this.inFlight.delete(res);
      // A connection whose answer went out before the drain began stays open once answered: it is idle now.
      if (this.draining) setImmediate(() => this.server.closeIdleConnections());
    });
  }

  /**
   * Drains within `timeoutMs`: resolves once every connection is closed and every handler of a
   * tracked request has settled, or at the deadline, after cutting what is left. `cutUpgraded`
   * cuts the connections the HTTP server handed over (WebSockets), which it cannot close itself.
   */
  async drain(timeoutMs: number, cutUpgraded: () => void): Promise<DrainOutcome> {
    const started = performance.now();
    this.draining = true;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const res of this.inFlight.keys()) if (!res.headersSent) res.setHeader("Connection", "close");
    this.server.closeIdleConnections();
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<"deadline">((resolve) => {
      timer = setTimeout(() => resolve("deadline"), timeoutMs);
    });
    const settled = closed.then(() => Promise.allSettled(this.inFlight.values()));
    let cut = 0;
    if ((await Promise.race([settled, deadline])) === "deadline") {
      cut = this.inFlight.size;
      this.server.closeAllConnections();
      cutUpgraded();
      await closed;
    }
    clearTimeout(timer);
    return { cut, ms: Math.round(performance.now() - started) };
  }
}
