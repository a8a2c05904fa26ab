import type { Database } from "@natter/db";
import { NatterError } from "@natter/shared";
import type { Kysely } from "kysely";
import type { AuthSession } from "../../auth/auth-session.js";
import { type Clock, toTimestamp } from "../../clock/clock.js";
import { type InboxEntry, inboxBounds, pruneInboxEntries, readInboxEntries } from "../../events/inbox-log.js";
import { type LogSource, LogStream } from "../../events/log-stream.js";
import type { PushStream } from "../../events/push-stream.js";
import type { LogBus, LogListener } from "../../events/room-event-bus.js";

/**
 * How far back an inbox resumes without a gap: entries are kept this long, then pruned, and a
 * `lastEventId` older than what is kept answers RESYNC_REQUIRED.
 */
export const INBOX_RESUME_WINDOW_MS = 7 * 24 * 60 * 60 * 1000;
/** Entries one prune removes at most, so that a prune never holds the database long. */
const PRUNE_BATCH = 1000;

export interface InboxServiceDeps {
  db: Kysely<Database>;
  clock: Clock;
  /** Where users' inbox entries are published (by the room writer and read cursors). */
  inbox: LogBus<InboxEntry>;
}

/**
 * Each user's inbox as a live, gapless stream: the same `LogStream` (catch-up from the log,
 * then live from the bus, in seq order, exactly once, with the caught-up fast path) that
 * room watchers get, over the user's own log instead of a room's.
 */
export class InboxService {
  constructor(private readonly deps: InboxServiceDeps) {}

  /**
   * The caller's inbox entries after `afterSeq` (catch-up first), then live; without
   * `afterSeq` it starts live at the newest entry. A position past the newest entry is
   * refused (VALIDATION_FAILED), one older than the log still holds answers RESYNC_REQUIRED.
   * `deliver` and `opened` as for `RoomEventsService.watch`.
   */
  watch(
    session: AuthSession,
    afterSeq: number | undefined,
    signal?: AbortSignal,
    deliver?: (entry: InboxEntry) => void,
    opened?: () => void,
  ): AsyncGenerator<InboxEntry, void> & PushStream<InboxEntry> {
    const source = new InboxLogSource(this.deps.db, this.deps.inbox, session.userId);
    return new LogStream(source, afterSeq, signal, deliver, opened);
  }

  /** Deletes a batch of entries older than the resume window; answers how many went. */
  prune(): Promise<number> {
    const { db, clock } = this.deps;
    return pruneInboxEntries(db, toTimestamp(clock.now() - INBOX_RESUME_WINDOW_MS), PRUNE_BATCH);
  }
}

/** The error of a position the log no longer reaches back to. */
function resyncRequired(afterSeq: number): NatterError {
  return new NatterError(
    "RESYNC_REQUIRED",
    `The inbox no longer holds the entries after ${afterSeq} (kept 7 days): reload unread counts, then watch without lastEventId`,
  );
}

/**
 * One user's inbox log, watched by that user. Each watcher listens on the bus itself: a user
 * has a connection or few, each bus keeps one subscription per user however many listen
 * (`RedisLogBus`'s own fan-out), and a fan-out of the service's own between them was one
 * more object for every member's entry to go through (`LogListener`).
 */
class InboxLogSource implements LogSource<InboxEntry> {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly bus: LogBus<InboxEntry>,
    private readonly userId: string,
  ) {}

  listen(listener: LogListener<InboxEntry>): Promise<() => void> {
    return this.bus.subscribe(this.userId, listener);
  }

  async open(afterSeq: number | undefined): Promise<number> {
    const { newest, oldestHeld } = await inboxBounds(this.db, this.userId);
    if (afterSeq === undefined || afterSeq === newest) return newest;
    if (afterSeq > newest) {
      throw new NatterError("VALIDATION_FAILED", "Input validation failed", {
        issues: [{ path: "lastEventId", message: `is past the inbox's newest entry (seq ${newest})` }],
      });
    }
    if (oldestHeld === 0 || oldestHeld > afterSeq + 1) throw resyncRequired(afterSeq);
    return newest;
  }

  async read(afterSeq: number, limit: number): Promise<InboxEntry[]> {
    const entries = await readInboxEntries(this.db, this.userId, afterSeq, limit);
    // Pruned between the check and this read: the gap cannot be filled.
    const first = entries[0];
    if (first && first.seq > afterSeq + 1) throw resyncRequired(afterSeq);
    return entries;
  }

  endsWith(): boolean {
    return false;
  }

  isPersonal(): boolean {
    return false;
  }

  async personalize(entry: InboxEntry): Promise<InboxEntry> {
    return entry;
  }

  async afterOverflow(): Promise<void> {}
}
