import { setImmediate as nextTurn } from "node:timers/promises";
import type { Clock } from "../../clock/clock.js";
import type { MessagesService } from "./messages-service.js";

/** Messages one transaction deletes: few enough that a request waits little behind one. */
const RETENTION_BATCH = 100;
const DAY_MS = 24 * 3600 * 1000;

export interface MessageRetentionDeps {
  messages: MessagesService;
  clock: Clock;
  /** Messages created longer ago than this are deleted. */
  retentionDays: number;
}

/**
 * Deletes messages older than the retention, with their uploads and their entries in the
 * room's log, a small batch per transaction and a turn of the event loop between batches,
 * so requests keep being answered while years of history go.
 *
 * It writes no tombstone events. Retention is the server's standing rule, not an act anyone
 * takes in a room: a `message.deleted` per expired message would push as many events to
 * every watcher, and keep a log entry and a tombstone row for each message forever, so the
 * history the rule is meant to remove would never shrink. Instead the messages' events leave
 * the log with them: a replay passes over their seqs (readers of the log already go by "after
 * seq", not by counting), and shows none of the bodies or attachments.
 */
export class MessageRetention {
  private running: Promise<number> | undefined;
  private stopped = false;

  constructor(private readonly deps: MessageRetentionDeps) {}

  /** Deletes every message past the retention; answers how many. A call while one runs joins it. */
  sweep(): Promise<number> {
    this.running ??= this.deleteExpired().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  /** Ends a sweep in progress after its current batch, and any later one before it starts. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.running?.catch(() => undefined);
  }

  private async deleteExpired(): Promise<number> {
    const { messages, clock, retentionDays } = this.deps;
    const cutoff = clock.now() - retentionDays * DAY_MS;
    let total = 0;
    while (!this.stopped) {
      const deleted = await messages.deleteCreatedBefore(cutoff, RETENTION_BATCH);
      total += deleted;
      if (deleted < RETENTION_BATCH) break;
      await nextTurn();
    }
    return total;
  }
}
