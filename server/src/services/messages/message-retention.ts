import { setImmediate as nextTurn } from "node:timers/promises";
import { bumpCounters, type Database, messageShardOf, messagesCounter } from "@natter/db";
import type { Kysely } from "kysely";
import { type Clock, toTimestamp } from "../../clock/clock.js";
import { deleteMessageEvents } from "../../events/room-log.js";
import type { BlobStore } from "../../uploads/blob-store.js";
import { deleteUploads, uploadsOfMessage } from "../message-rows/attachments.js";
import type { RoomWriter } from "../room-writes/room-writer.js";

/** Messages one transaction deletes: few enough that a request waits little behind one. */
const RETENTION_BATCH = 100;
const DAY_MS = 24 * 3600 * 1000;

/** What retention deletes through: the messages service. */
export interface ExpiringMessages {
  /** See `deleteMessagesCreatedBefore`. */
  deleteCreatedBefore(cutoff: number, limit: number): Promise<number>;
}

export interface MessageRetentionDeps {
  messages: ExpiringMessages;
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

/**
 * Deletes for good up to `limit` of the oldest messages created before `cutoff`, tombstones
 * included: their uploads (and the bytes nothing else uses) as a delete by a user removes
 * them, and every stored event that carried them. Each room's share is one room change, so
 * it is serialised with the room's other changes (and another node's sweep finds the rows
 * gone rather than deleting them twice). Writes no event (see `MessageRetention`).
 * Answers how many it deleted.
 */
export async function deleteMessagesCreatedBefore(
  { db, writer, blobs }: { db: Kysely<Database>; writer: RoomWriter; blobs: BlobStore },
  cutoff: number,
  limit: number,
): Promise<number> {
  const candidates = await db
    .selectFrom("messages")
    .select(["id", "room_id"])
    .where("created_at", "<", toTimestamp(cutoff))
    .orderBy("created_at")
    .limit(limit)
    .execute();
  const byRoom = new Map<string, string[]>();
  for (const row of candidates) byRoom.set(row.room_id, [...(byRoom.get(row.room_id) ?? []), row.id]);
  let deleted = 0;
  for (const [roomId, ids] of byRoom) {
    deleted += await writer.write(roomId, async (trx) => {
      const doomed = await trx
        .selectFrom("messages")
        .select(["id", "deleted_at"])
        .where("room_id", "=", roomId)
        .where("id", "in", ids)
        .execute();
      for (const { id } of doomed) {
        await deleteUploads(trx, blobs, uploadsOfMessage(id));
        await deleteMessageEvents(trx, roomId, id);
        await trx.deleteFrom("messages").where("id", "=", id).execute();
      }
      // Tombstones were uncounted when deleted. The hourly counts the admin figures show cover
      // the last day, which retention (whole days) never reaches.
      const live = doomed.filter((row) => row.deleted_at === null).length;
      await bumpCounters(trx, { [messagesCounter(messageShardOf(roomId))]: -live });
      return { events: [], result: doomed.length };
    });
  }
  return deleted;
}
