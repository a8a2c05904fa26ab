import { randomUUID } from "node:crypto";
import { setMaxListeners } from "node:events";
import type { Logger } from "pino";

/** How often finished rows are swept. */
const SWEEP_INTERVAL_MS = 10 * 60_000;

/**
 * How many poll intervals an outbox found empty is trusted to stay so before the worker looks
 * again unwoken: rows are queued by writes, which wake the worker of their node (`wake`,
 * `nudge`; a node that does not deliver wakes the others over Redis), so the look only finds
 * those of a writer that could not tell (a command-line process, a node that died right
 * after its commit), within this many intervals instead of one.
 */
const EMPTY_TRUSTED_POLLS = 10;

/**
 * What an outbox holds for its worker: rows to claim (or answers to record) now, rows pending
 * that are not due yet (a retry, another node's claim), or no pending row at all.
 */
export type OutboxState = "due" | "waiting" | "empty";

/** This node's claim on rows of an outbox: who holds them, and for how long. */
export interface OutboxClaim {
  nodeId: string;
  /** How long (ms, from the outbox clock's now) the claim lasts; then any node may claim the rows again. */
  leaseMs: number;
}

/**
 * One durable outbox in the database, as the worker drives it. Its rows are written in the
 * transaction of whatever causes them; the outbox knows its own table and how to send a row.
 */
export interface LeasedOutbox<Item> {
  /** What the outbox holds now (`OutboxState`), in one statement outside any transaction. */
  state(): Promise<OutboxState>;
  /**
   * Claims up to `limit` due rows for `claim` in one transaction (`FOR UPDATE SKIP LOCKED` on
   * PostgreSQL, so each is claimed by one node at a time; SQLite has a single writer), leaving
   * out rows of the groups in `saturated`. Answers them in the order they are due.
   */
  claim(limit: number, claim: OutboxClaim, saturated: readonly string[]): Promise<Item[]>;
  /** Sends one claimed row and records how it went, only while `nodeId` still holds it. */
  attempt(item: Item, nodeId: string, signal: AbortSignal): Promise<void>;
  /** Hands the pending rows `nodeId` holds back at once (it is stopping). */
  release(nodeId: string): Promise<void>;
  /** Deletes finished rows past their keeping; answers how many. */
  sweep(): Promise<number>;
  /** The row's id, and the group (endpoint, subscription) whose attempts at once are bounded. */
  idOf(item: Item): string;
  groupOf(item: Item): string;
}

export interface LeasedOutboxWorkerOptions {
  /** Names the outbox in logs: `webhook delivery`, `push`. */
  name: string;
  logger: Logger;
  /** How long one attempt may take; a claim lasts this plus a margin. */
  timeoutMs: number;
  /**
   * How often the outbox is looked at for due rows (a local write looks at once: `nudge`); an
   * outbox found empty, every `EMPTY_TRUSTED_POLLS` intervals until a write wakes the worker.
   */
  pollIntervalMs: number;
  /** Attempts in flight at once on this node, and to one group. */
  concurrency: number;
  perGroupConcurrency: number;
  /**
   * How long a local write's wake-up waits for others (ms; 0: the next turn of the event
   * loop): the writes of that while are claimed together, and the claim never runs before the
   * writer has answered its caller.
   */
  wakeDelayMs?: number;
}

/**
 * Sends a durable outbox from any number of nodes: claims due rows for a lease, sends each,
 * and lets the outbox record the outcome. A claim whose node died lapses after the lease and
 * another node (or the restarted one) sends the row again, so nothing is lost; a live claim is
 * never taken by another node, so nothing is sent twice while its node lives. Up to
 * `concurrency` attempts run at once, at most `perGroupConcurrency` to one group, so a slow
 * receiver holds a few slots for at most the timeout each and never holds up the others.
 */
export class LeasedOutboxWorker<Item> {
  /** This node's name on its claims. */
  readonly nodeId = randomUUID();
  private readonly inFlight = new Map<string, string>();
  private readonly abort = new AbortController();
  private pollTimer: NodeJS.Timeout | undefined;
  private wakeTimer: NodeJS.Timeout | undefined;
  private sweepTimer: NodeJS.Timeout | undefined;
  private polling: Promise<void> | undefined;
  private pollAgain = false;
  /** When the outbox was last found empty, while nothing was queued here since. */
  private emptyAt: number | undefined;
  private readonly attempts = new Set<Promise<void>>();
  private stopped = false;

  constructor(
    private readonly outbox: LeasedOutbox<Item>,
    private readonly options: LeasedOutboxWorkerOptions,
  ) {
    // Each attempt in flight listens for the stop (up to `concurrency` at once): more than
    // Node's default of 10 is expected, not a leak.
    setMaxListeners(options.concurrency + 1, this.abort.signal);
  }

  private get leaseMs(): number {
    return this.options.timeoutMs + 5_000;
  }

  /**
   * Starts polling. Claims of a node that died (even this node's predecessor on the same
   * SQLite file) are not freed here: other live nodes may share the database, so they lapse
   * with their lease.
   */
  start(): void {
    this.pollTimer = setInterval(() => this.poll(), this.options.pollIntervalMs);
    this.pollTimer.unref();
    this.sweepTimer = setInterval(() => {
      this.outbox
        .sweep()
        .catch((error: unknown) => this.options.logger.error({ err: error }, `${this.options.name} sweep failed`));
    }, SWEEP_INTERVAL_MS);
    this.sweepTimer.unref();
    this.nudge();
  }

  /**
   * Looks for due rows soon: called after a local write queued some. Wake-ups within
   * `wakeDelayMs` of each other make one claim.
   */
  wake(): void {
    if (this.stopped || this.wakeTimer) return;
    this.wakeTimer = setTimeout(() => {
      this.wakeTimer = undefined;
      this.nudge();
    }, this.options.wakeDelayMs ?? 0);
    this.wakeTimer.unref();
  }

  /** Looks for due rows now. */
  nudge(): void {
    if (this.stopped) return;
    this.emptyAt = undefined;
    this.look();
  }

  /**
   * The timer's look: none while the outbox was found empty less than `EMPTY_TRUSTED_POLLS`
   * intervals ago and nothing woke the worker since. Every node polled every outbox twice a
   * second, though rows are queued by writes that wake their node's worker at once.
   */
  private poll(): void {
    const { emptyAt } = this;
    if (emptyAt !== undefined && Date.now() - emptyAt < EMPTY_TRUSTED_POLLS * this.options.pollIntervalMs) return;
    this.look();
  }

  private look(): void {
    if (this.stopped) return;
    if (this.polling) {
      this.pollAgain = true;
      return;
    }
    this.polling = this.claimAndSend()
      .catch((error: unknown) => this.options.logger.error({ err: error }, `${this.options.name} poll failed`))
      .finally(() => {
        this.polling = undefined;
        if (this.pollAgain) {
          this.pollAgain = false;
          this.look();
        }
      });
  }

  /** Stops claiming, ends the attempts in flight and hands their rows back at once. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.pollTimer);
    clearInterval(this.sweepTimer);
    clearTimeout(this.wakeTimer);
    this.abort.abort();
    await this.polling;
    await Promise.all([...this.attempts]);
    await this.outbox
      .release(this.nodeId)
      .catch((error: unknown) =>
        this.options.logger.warn({ err: error }, `${this.options.name} claims not handed back`),
      );
  }

  private async claimAndSend(): Promise<void> {
    const free = this.options.concurrency - this.inFlight.size;
    if (free <= 0 || this.stopped) return;
    const lookedAt = Date.now();
    const state = await this.outbox.state();
    // Trusted empty unless a wake-up came meanwhile (which looks again: `pollAgain`).
    this.emptyAt = state === "empty" && !this.pollAgain ? lookedAt : undefined;
    if (state !== "due") return;
    const busy = new Map<string, number>();
    for (const group of this.inFlight.values()) busy.set(group, (busy.get(group) ?? 0) + 1);
    const saturated = [...busy].filter(([, count]) => count >= this.options.perGroupConcurrency).map(([id]) => id);
    const claimed = await this.outbox.claim(free, { nodeId: this.nodeId, leaseMs: this.leaseMs }, saturated);
    for (const item of claimed) {
      const id = this.outbox.idOf(item);
      this.inFlight.set(id, this.outbox.groupOf(item));
      const attempt = this.outbox
        .attempt(item, this.nodeId, this.abort.signal)
        .catch((error: unknown) => this.options.logger.error({ err: error, id }, `${this.options.name} attempt failed`))
        .finally(() => {
          this.inFlight.delete(id);
          this.attempts.delete(attempt);
          // A finished row may let the next one of its group go, and frees a slot; the
          // attempts ending within `wakeDelayMs` make one claim.
          this.wake();
        });
      this.attempts.add(attempt);
    }
  }
}
