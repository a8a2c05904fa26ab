import { setImmediate as nextTurn, setTimeout as sleep } from "node:timers/promises";
import {
  bumpCounters,
  type Database,
  type DatabaseEngine,
  deferSqliteSearchIndexing,
  defersSqliteSearchInBatches,
  indexDeferredSqliteSearch,
  isRetryableConflict,
  preparedQuery,
  SQLITE_SEARCH_DEFER_FROM,
} from "@natter/db";
import { NatterError, type RoomEvent, type RoomKind } from "@natter/shared";
import { type Kysely, type RawBuilder, sql, type Transaction } from "kysely";
import type { Clock } from "../../clock/clock.js";
import type { InboxEntry } from "../../events/inbox-log.js";
import type { LogBus, RoomEventBus } from "../../events/room-event-bus.js";
import { discardInboxNotes, type KnownRoomMembers, projectInbox } from "../inbox/inbox-projection.js";
import { queuePushNotifications } from "../push/push-outbox.js";
import { queueRoomEventDeliveries, type WebhookEndpoint } from "../webhooks/webhook-outbox.js";

/** What a room change did: the log entries to publish once committed, and the caller's answer. */
export interface RoomWrite<T> {
  events: readonly RoomEvent[];
  result: T;
  /**
   * What the change read of its room in this transaction and left unchanged (a send's
   * `RoomTurn`): the writer's inbox entries, webhook deliveries and push notifications use it
   * instead of reading it again.
   */
  known?: KnownRoomMembers & { endpoints: readonly WebhookEndpoint[]; kind: RoomKind };
  /**
   * Deltas of `stat_counters` the change makes (a send's message counts): the writer adds up
   * those of a batch's committed changes and bumps each counter once, in the same
   * transaction, before its commit (one upsert per batch, not per send; the totals exact).
   */
  counters?: Readonly<Record<string, number>>;
}

/** A room change: runs inside the writer's transaction, at the instant `now`. */
export type RoomChangeOf<T> = (trx: Transaction<Database>, now: number) => Promise<RoomWrite<T>>;

/**
 * Changes of one room run together, in one call (`RoomChangeOptions.bulk`): each item is one
 * change's. Refuses an item before writing anything of it, so that its refusal undoes nothing
 * of the others; a statement that fails undoes the call (the writer then runs each item's own
 * change alone).
 */
export type BulkChangeOf<I, T> = (
  trx: Transaction<Database>,
  roomId: string,
  items: readonly I[],
  now: number,
) => Promise<BulkWrite<T>>;

/** What a bulk change did. */
export interface BulkWrite<T> {
  /**
   * The outcomes of the first items, in their order: each item's write, or the error it was
   * refused with (it wrote nothing). Fewer outcomes than items: the next item runs alone, as
   * its own change, and the rest after it.
   */
  outcomes: readonly ({ ok: true; write: RoomWrite<T> } | { ok: false; error: unknown })[];
  /** What the writes' inbox entries, webhook deliveries and push notifications need of the room (`RoomWrite.known`). */
  known?: RoomWrite<T>["known"];
}

/** How a change meets the room's lock. */
export interface RoomChangeOptions<T> {
  /**
   * The change's first statement updates the room's row (a send's `RoomStateCache.takeTurn`),
   * which waits for and takes its write lock as the writer's own lock would, and reads nothing
   * before it: on PostgreSQL the writer then leaves out its locking statement, one round trip
   * of the room's turn fewer.
   */
  locksRoomFirst?: boolean;
  /**
   * The change as an item of a bulk change: consecutive changes of one room in a batch with
   * the same `run` are run by one call of it, in a few statements for all (on PostgreSQL one
   * round trip each) instead of several for each and a savepoint of its own. `change` is what
   * runs the item alone. The bulk's first statement must lock the room's row, as
   * `locksRoomFirst` says.
   */
  bulk?: BulkItem<T>;
}

/** One change as an item of a bulk change (`bulkItem`). */
export interface BulkItem<T> {
  readonly run: BulkChangeOf<unknown, T>;
  readonly item: unknown;
}

/** `item` as one of the items of the bulk change `run`. */
export function bulkItem<I, T>(run: BulkChangeOf<I, T>, item: I): BulkItem<T> {
  return { run: run as BulkChangeOf<unknown, T>, item };
}

export interface RoomWriterDeps {
  db: Kysely<Database>;
  engine: DatabaseEngine;
  clock: Clock;
  events: RoomEventBus;
  /** Where users' inbox entries are published; none: they are only stored (the command line's writes). */
  inbox?: LogBus<InboxEntry>;
  /** Called after a commit that queued webhook deliveries, so that they are sent at once. */
  onWebhooksQueued?: () => void;
  /** Called after a commit that queued push notifications, so that they are sent at once. */
  onPushQueued?: () => void;
}

/** Runs of one change before it is given up as BUSY; each loses only to a change that committed. */
const MAX_ATTEMPTS = 8;

/** Changes committed together at most: a batch holds the room (and on SQLite the database) this long. */
const MAX_BATCH = 64;

/** A change waiting for its turn, and how to answer its caller. */
interface Pending {
  roomId: string | null;
  change: RoomChangeOf<unknown>;
  locksRoomFirst: boolean;
  bulk: BulkItem<unknown> | undefined;
  attempt: number;
  resolve: (result: unknown) => void;
  reject: (error: unknown) => void;
}

/** Whether a batch's transaction has a savepoint of its last change open (see `runInSavepoint`). */
interface SavepointState {
  open: boolean;
}

/**
 * A statement without values, compiled once (`preparedQuery`): a batch of B changes runs
 * 2B - 1 savepoint statements on SQLite, each otherwise built and compiled again.
 */
const prepared = (statement: RawBuilder<unknown>) =>
  preparedQuery((db) => ({ compile: () => statement.compile(db) }), 0);

const SAVEPOINT = prepared(sql`savepoint room_change`);
const RELEASE = prepared(sql`release savepoint room_change`);
/** PostgreSQL's release and next savepoint in one round trip: a simple query without parameters. */
const RELEASE_AND_SAVEPOINT = prepared(sql`release savepoint room_change; savepoint room_change`);
const ROLLBACK_TO_SAVEPOINT = prepared(sql`rollback to savepoint room_change`);

/** What the events of changes that committed together mean beyond the room's log. */
interface Projected {
  queuedWebhooks: boolean;
  queuedPush: boolean;
  inboxEntries: InboxEntry[];
}

/**
 * What changes of a batch came to inside the transaction: one change or a bulk's that
 * succeeded (their callers' answers, their events and what they mean, their counter deltas),
 * or one that failed.
 */
type Outcome =
  | ({
      ok: true;
      answers: readonly { pending: Pending; result: unknown }[];
      events: readonly RoomEvent[];
      counters: readonly Readonly<Record<string, number>>[];
    } & Projected)
  | { ok: false; pending: Pending; error: unknown };

/** The sum, by counter, of the counter deltas of a batch's changes that succeeded. */
function counterTotals(outcomes: readonly Outcome[]): Record<string, number> {
  const totals: Record<string, number> = {};
  for (const outcome of outcomes) {
    if (!outcome.ok) continue;
    for (const counters of outcome.counters) {
      for (const [name, delta] of Object.entries(counters)) totals[name] = (totals[name] ?? 0) + delta;
    }
  }
  return totals;
}

/**
 * The one way to change a room: a transaction whose first statement locks the room's row,
 * so that changes of one room run one after the other and each reads what the previous one
 * committed (who is a member, with which role, whether a message is deleted), on every
 * engine and every node. SQLite needs no lock: `begin immediate` already admits one writer
 * at a time. A transaction that PostgreSQL aborts for a deadlock or a serialization failure
 * (with rows other than the room's: sessions, users, uploads) is run again from the start,
 * a bounded number of times, then refused as BUSY (503), never as an internal error. The
 * events are published only after the commit; the webhook deliveries they make are queued
 * in the outbox inside the transaction, so a commit never goes without them, and so are the
 * users' inbox entries they mean (`projectInbox`), published after the room's events.
 *
 * Group commit: changes that arrive while a transaction of theirs runs (of the same room on
 * PostgreSQL, of any room on SQLite, which has one writer) wait, then commit together in the
 * next one, one `BEGIN … COMMIT` (and one room lock) for all, each change in a savepoint of
 * its own: one that fails is rolled back alone and answered with its error, the others
 * commit. Each change still runs after the previous one and reads what it wrote; each caller
 * is answered, and its events published, only after the commit that holds its change.
 * Consecutive changes of one room that are items of one bulk change (plain sends) run in one
 * call of it and one savepoint: a few statements for all of them instead of several each. On
 * PostgreSQL each statement is a round trip that the room's lock waits for; on SQLite each
 * statement and savepoint is CPU of the one writer, and FTS5 writes out its pending terms at
 * every savepoint (a search index segment per send, not per bulk).
 */
export class RoomWriter {
  /** Changes waiting, by batch key; a key present here has a batch running. */
  private readonly queues = new Map<string, Pending[]>();
  /** Whether SQLite's search index takes a batch's messages from the batch: asked by the first batch, then known. */
  private searchInBatches: boolean | undefined;

  constructor(private readonly deps: RoomWriterDeps) {}

  /**
   * Runs `change` for the room `roomId` (null for a room that does not exist yet), commits,
   * publishes its events and answers its result. A NatterError thrown by the change rolls
   * it back and reaches the caller as it is.
   */
  write<T>(roomId: string | null, change: RoomChangeOf<T>, options: RoomChangeOptions<T> = {}): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.enqueue({
        roomId,
        change: change as RoomChangeOf<unknown>,
        locksRoomFirst: options.locksRoomFirst === true,
        bulk: options.bulk,
        attempt: 1,
        resolve: resolve as (result: unknown) => void,
        reject,
      });
    });
  }

  /** Queues a change behind its key's running batch, or starts one. */
  private enqueue(pending: Pending): void {
    const key = this.batchKey(pending.roomId);
    const queue = this.queues.get(key);
    if (queue) {
      queue.push(pending);
      return;
    }
    this.queues.set(key, [pending]);
    void this.drain(key);
  }

  /**
   * What batches share a transaction: on SQLite everything (one writer at a time anyway); on
   * PostgreSQL the changes of one room (its lock is the one they all wait for); a room being
   * created runs alone.
   */
  private batchKey(roomId: string | null): string {
    if (this.deps.engine === "sqlite") return "";
    return roomId ?? `new:${Math.random()}`;
  }

  /**
   * Commits the key's waiting changes, batch after batch, until none wait. The first batch
   * starts on the event loop's next turn: the requests read in this one join it. On SQLite a
   * transaction runs without giving the loop a turn (better-sqlite3 is synchronous), so
   * without this wait no change ever arrives while one runs, and every batch holds one change.
   */
  private async drain(key: string): Promise<void> {
    const queue = this.queues.get(key) as Pending[];
    await nextTurn();
    // Publishing a batch (a round trip to Redis with several nodes) does not hold up the next
    // batch's transaction; batches are still published in the order they committed.
    let announced = Promise.resolve();
    while (queue.length > 0) {
      const batch = queue.splice(0, MAX_BATCH);
      const outcomes = await this.commitBatch(batch);
      announced = announced.then(() => this.announce(outcomes));
    }
    this.queues.delete(key);
  }

  /** Runs a batch in one transaction; answers each change's outcome (all failed if the commit did not happen). */
  private async commitBatch(batch: Pending[]): Promise<Outcome[]> {
    const { db } = this.deps;
    let outcomes: Outcome[];
    try {
      outcomes = await db.transaction().execute(async (trx) => {
        const locked = new Set<string>();
        const results: Outcome[] = [];
        const savepoint: SavepointState = { open: false };
        let bulks = batch.length > 1;
        // SQLite's search index takes the batch's messages in one statement at the end (FTS5
        // writes a segment at every savepoint): before the commit, so searchable on the answer.
        // Below SQLITE_SEARCH_DEFER_FROM changes that costs more than the segments it saves.
        const searchFrom =
          this.deps.engine === "sqlite" && batch.length >= SQLITE_SEARCH_DEFER_FROM && (await this.defersSearch(trx))
            ? await deferSqliteSearchIndexing<Database>(trx)
            : undefined;
        for (let next = 0; next < batch.length; ) {
          const pending = batch[next] as Pending;
          const group = bulks ? bulkFrom(batch, next) : [];
          if (group.length > 1) {
            const ran = await this.runBulk(trx, group, savepoint);
            // A bulk that failed is not tried again in this batch: its changes run alone.
            if (!ran) bulks = false;
            else {
              results.push(...ran.outcomes);
              next += ran.count;
              // The bulk's first statement locked the room; its savepoint is never rolled back now.
              locked.add(pending.roomId as string);
              if (ran.count > 0) continue;
            }
          }
          // A change that locks the room itself does so inside its savepoint, whose rollback
          // (the change failed) lets the lock go: only the writer's own lock counts as held.
          if (pending.roomId !== null && !pending.locksRoomFirst && !locked.has(pending.roomId)) {
            await this.lockRoom(trx, pending.roomId);
            locked.add(pending.roomId);
          }
          results.push(
            batch.length === 1 ? await this.run(trx, pending) : await this.runInSavepoint(trx, pending, savepoint),
          );
          next += 1;
        }
        await bumpCounters(trx, counterTotals(results));
        if (searchFrom !== undefined) await indexDeferredSqliteSearch<Database>(trx, searchFrom);
        return results;
      });
    } catch (error) {
      // Nothing of the batch committed: each change is run again or refused, on its own.
      return batch.map((pending) => ({ ok: false, pending, error }));
    }
    return outcomes;
  }

  /** Asked inside the batch's transaction: SQLite's one connection is held by it. */
  private async defersSearch(trx: Transaction<Database>): Promise<boolean> {
    this.searchInBatches ??= await defersSqliteSearchInBatches<Database>(trx);
    return this.searchInBatches;
  }

  /** After a batch's commit: publishes each committed change's events, then answers its caller. */
  private async announce(outcomes: Outcome[]): Promise<void> {
    for (const outcome of outcomes) {
      if (!outcome.ok) {
        this.failed(outcome.pending, outcome.error);
        continue;
      }
      try {
        if (outcome.queuedWebhooks) this.deps.onWebhooksQueued?.();
        if (outcome.queuedPush) this.deps.onPushQueued?.();
        if (outcome.events.length > 0) await this.deps.events.publish(outcome.events);
        if (outcome.inboxEntries.length > 0) await this.deps.inbox?.publish(outcome.inboxEntries);
        for (const { pending, result } of outcome.answers) pending.resolve(result);
      } catch (error) {
        for (const { pending } of outcome.answers) pending.reject(error);
      }
    }
  }

  /** Runs one change and what its events mean (webhook deliveries, inbox entries) in `trx`. */
  private async run(trx: Transaction<Database>, pending: Pending): Promise<Outcome> {
    const now = this.deps.clock.now();
    const write = await pending.change(trx, now);
    return {
      ok: true,
      answers: [{ pending, result: write.result }],
      events: write.events,
      counters: write.counters ? [write.counters] : [],
      ...(await project(trx, write.events, now, write.known)),
    };
  }

  /**
   * Runs `group` (changes of one bulk change, of one room) by one call of their bulk change,
   * and what their events mean, in a savepoint: answers the outcomes of the changes it ran
   * (the first `count`), or undefined when it failed and left nothing.
   */
  private async runBulk(
    trx: Transaction<Database>,
    group: readonly Pending[],
    savepoint: SavepointState,
  ): Promise<{ count: number; outcomes: Outcome[] } | undefined> {
    const first = group[0] as Pending;
    const { run } = first.bulk as BulkItem<unknown>;
    await this.nextSavepoint(trx, savepoint);
    try {
      const now = this.deps.clock.now();
      const written = await run(
        trx,
        first.roomId as string,
        group.map((pending) => pending.bulk?.item),
        now,
      );
      const answers: { pending: Pending; result: unknown }[] = [];
      const events: RoomEvent[] = [];
      const counters: Readonly<Record<string, number>>[] = [];
      const refused: Outcome[] = [];
      for (const [index, outcome] of written.outcomes.entries()) {
        const pending = group[index] as Pending;
        if (!outcome.ok) {
          refused.push({ ok: false, pending, error: outcome.error });
          continue;
        }
        answers.push({ pending, result: outcome.write.result });
        events.push(...outcome.write.events);
        if (outcome.write.counters) counters.push(outcome.write.counters);
      }
      const projected = await project(trx, events, now, written.known);
      return {
        count: written.outcomes.length,
        outcomes: [{ ok: true, answers, events, counters, ...projected }, ...refused],
      };
    } catch {
      discardInboxNotes(trx);
      await ROLLBACK_TO_SAVEPOINT(trx);
      return undefined;
    }
  }

  /**
   * As `run`, inside a savepoint: a change that fails is undone alone and the batch goes on.
   * The savepoint is left open after the change, and released with the next one's making
   * (on PostgreSQL in one round trip: `release …; savepoint …`, a simple query without
   * parameters) or by the commit: each change of a batch costs one savepoint statement, not two.
   * Whatever a change holds when it ends (the room's lock) is kept: only a rollback lets go of
   * it, and a rollback only ever returns to a savepoint made after it.
   */
  private async runInSavepoint(
    trx: Transaction<Database>,
    pending: Pending,
    savepoint: SavepointState,
  ): Promise<Outcome> {
    await this.nextSavepoint(trx, savepoint);
    try {
      return await this.run(trx, pending);
    } catch (error) {
      discardInboxNotes(trx);
      await ROLLBACK_TO_SAVEPOINT(trx);
      return { ok: false, pending, error };
    }
  }

  /** Makes the savepoint of the batch's next change, releasing the last one's. */
  private async nextSavepoint(trx: Transaction<Database>, savepoint: SavepointState): Promise<void> {
    if (!savepoint.open) await SAVEPOINT(trx);
    else if (this.deps.engine === "postgres") await RELEASE_AND_SAVEPOINT(trx);
    else {
      await RELEASE(trx);
      await SAVEPOINT(trx);
    }
    savepoint.open = true;
  }

  /** A change that did not commit: run again after a random wait if it lost a race, else refused. */
  private failed(pending: Pending, error: unknown): void {
    if (!isRetryableConflict(error)) {
      pending.reject(error);
    } else if (pending.attempt >= MAX_ATTEMPTS) {
      const busy = new NatterError(
        "BUSY",
        "The room is too busy to make this change now; try again",
        { retryAfterSeconds: 1 },
        { cause: error },
      );
      pending.reject(busy);
    } else {
      // Random waits keep the losers of one race from meeting again at the same instant.
      const retry = { ...pending, attempt: pending.attempt + 1 };
      sleep(Math.random() * 5 * 2 ** pending.attempt).then(() => this.enqueue(retry));
    }
  }

  /** Waits for, then holds until the commit, the room row's write lock (PostgreSQL). */
  private async lockRoom(trx: Transaction<Database>, roomId: string): Promise<void> {
    if (this.deps.engine === "sqlite") return;
    await trx.selectFrom("rooms").select("id").where("id", "=", roomId).forUpdate().execute();
  }
}

/** What the events of changes mean, written in their transaction: webhook deliveries, inbox entries, push notifications. */
async function project(
  trx: Transaction<Database>,
  events: readonly RoomEvent[],
  now: number,
  known: RoomWrite<unknown>["known"],
): Promise<Projected> {
  const queuedWebhooks = await queueRoomEventDeliveries(trx, events, now, known);
  const inboxEntries = await projectInbox(trx, events, now, known);
  const queuedPush = await queuePushNotifications(trx, inboxEntries, now, known);
  return { queuedWebhooks, queuedPush, inboxEntries };
}

/** The changes from `start` on that one call of the first one's bulk change may run: same room, same bulk. */
function bulkFrom(batch: readonly Pending[], start: number): Pending[] {
  const first = batch[start] as Pending;
  let end = start;
  while (end < batch.length) {
    const pending = batch[end] as Pending;
    if (!first.bulk || pending.bulk?.run !== first.bulk.run || pending.roomId !== first.roomId) break;
    end += 1;
  }
  return batch.slice(start, end);
}
