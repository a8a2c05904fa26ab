import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";

/** Live counts the WebSocket layer answers when Prometheus scrapes. */
export interface LiveStatsSource {
  connections(): number;
  subscriptions(): number;
  /** Running totals since start; exported as counters. */
  totals(): { deliveries: number; slowReadersDropped: number; rateLimited: number };
}

/** What the rooms' event streams (Server-Sent Events) have done, as they tell it when scraped. */
export interface EventStreamTotals {
  /** Streams open now. */
  open: number;
  deliveries: number;
  slowReadersDropped: number;
}

/** What the push outbox did on this node since start: attempts by outcome. */
export interface PushTotals {
  delivered: number;
  skipped: number;
  retried: number;
  failed: number;
  gone: number;
}

/**
 * What a node read from the logs since start for publishes of other nodes it never heard on
 * Redis (pub/sub delivers at most once): room events and inbox entries.
 */
export interface LogTailTotals {
  roomEvents: number;
  inboxEntries: number;
}

/** How a log-in ended, as counted by `natter_logins_total`. */
export type LoginOutcome = "success" | "invalid_credentials" | "throttled" | "banned" | "error";

/**
 * How often the event loop's lag is sampled (ms). Each sample is a timer that wakes the loop:
 * prom-client's 10 ms woke an idle node 100 times a second (two `epoll_pwait`s each), every
 * node of a cluster alike. A sample still measures a stall to the nanosecond; a coarser one
 * only samples short stalls less often.
 */
const EVENT_LOOP_SAMPLE_MS = 100;

/**
 * natter's Prometheus metrics, in one registry per server (tests run several in one process).
 * Labels are bounded: route templates, methods, statuses, outcomes; never raw paths or ids.
 */
export class Metrics {
  readonly registry = new Registry();
  readonly httpRequests = new Counter({
    name: "natter_http_requests_total",
    help: "HTTP requests by route template, method and status.",
    labelNames: ["route", "method", "status"] as const,
    registers: [this.registry],
  });
  readonly httpDuration = new Histogram({
    name: "natter_http_request_duration_seconds",
    help: "HTTP request latency by route template and method.",
    labelNames: ["route", "method"] as const,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });
  readonly queryDuration = new Histogram({
    name: "natter_db_query_duration_seconds",
    help: "Database query latency, by engine.",
    labelNames: ["engine"] as const,
    buckets: [0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1],
    registers: [this.registry],
  });
  readonly logins = new Counter({
    name: "natter_logins_total",
    help: "Log-ins by outcome.",
    labelNames: ["outcome"] as const,
    registers: [this.registry],
  });

  constructor() {
    // Process metrics and the event loop's lag (nodejs_eventloop_lag_* and friends).
    collectDefaultMetrics({ register: this.registry, eventLoopMonitoringPrecision: EVENT_LOOP_SAMPLE_MS });
  }

  /** Counts one answered HTTP request (429s are the HTTP side of rate-limited calls). */
  observeRequest(route: string, method: string, status: number, seconds: number): void {
    this.httpRequests.inc({ route, method, status: String(status) });
    this.httpDuration.observe({ route, method }, seconds);
  }

  /** Exports the WebSocket layer's live counts; called once, when it is attached. */
  observeLive(source: LiveStatsSource): void {
    const registers = [this.registry];
    new Gauge({
      name: "natter_ws_connections",
      help: "Open WebSocket connections.",
      registers,
      collect() {
        this.set(source.connections());
      },
    });
    new Gauge({
      name: "natter_ws_subscriptions",
      help: "Open live subscriptions over WebSocket.",
      registers,
      collect() {
        this.set(source.subscriptions());
      },
    });
    this.runningTotals(source.totals, [
      ["natter_ws_deliveries_total", "Room events written to WebSocket watchers.", "deliveries"],
      ["natter_ws_slow_readers_dropped_total", "WebSockets closed because they read too slowly.", "slowReadersDropped"],
      ["natter_ws_rate_limited_total", "WebSockets closed because they sent too many messages.", "rateLimited"],
    ]);
  }

  /** Exports the event streams' counts beside the WebSocket ones; called once, when they are made. */
  observeEventStreams(source: () => EventStreamTotals): void {
    const registers = [this.registry];
    new Gauge({
      name: "natter_sse_streams",
      help: "Open room event streams (Server-Sent Events).",
      registers,
      collect() {
        this.set(source().open);
      },
    });
    this.runningTotals(source, [
      ["natter_sse_deliveries_total", "Room events written to event-stream watchers.", "deliveries"],
      [
        "natter_sse_slow_readers_dropped_total",
        "Event streams cut off because they read too slowly.",
        "slowReadersDropped",
      ],
    ]);
  }

  /** Exports what the push outbox did on this node; called once, when the server starts. */
  observePush(source: () => PushTotals): void {
    this.runningTotals(source, [
      ["natter_push_delivered_total", "Web Push notifications a push service accepted.", "delivered"],
      ["natter_push_skipped_total", "Web Push notifications not sent: the user was connected.", "skipped"],
      ["natter_push_retried_total", "Web Push attempts to be tried again (429, 5xx, no answer).", "retried"],
      ["natter_push_failed_total", "Web Push notifications given up.", "failed"],
      ["natter_push_gone_total", "Web Push subscriptions deleted on 404 or 410.", "gone"],
    ]);
  }

  /** Exports what this node read from the logs for publishes it never heard; called once, when the server starts. */
  observeLogTails(source: () => LogTailTotals): void {
    this.runningTotals(source, [
      [
        "natter_room_events_read_from_log_total",
        "Room events other nodes published that this node never heard on Redis and read from the database.",
        "roomEvents",
      ],
      [
        "natter_inbox_entries_read_from_log_total",
        "Inbox entries other nodes published that this node never heard on Redis and read from the database.",
        "inboxEntries",
      ],
    ]);
  }

  /** Counters that follow running totals kept elsewhere, read when Prometheus scrapes. */
  private runningTotals<T>(read: () => T, counters: readonly [name: string, help: string, key: keyof T][]): void {
    for (const [name, help, key] of counters) {
      let reported = 0;
      new Counter({
        name,
        help,
        registers: [this.registry],
        collect() {
          const now = Number(read()[key]);
          this.inc(now - reported);
          reported = now;
        },
      });
    }
  }

  /** The Prometheus text exposition of every metric. */
  render(): Promise<string> {
    return this.registry.metrics();
  }
}
