import type { Database } from "@natter/db";
import type { Kysely } from "kysely";
import { type Clock, toTimestamp } from "../../clock/clock.js";
import type { BlobStore } from "../../uploads/blob-store.js";
import { deleteUploads } from "../message-rows/attachments.js";

/** How many unattached uploads the sweeper deletes per transaction, and stored blobs it looks up at once. */
const SWEEP_BATCH = 100;

/**
 * How long the sweeper must have seen bytes in the store unrecorded (or in transit) before it
 * deletes them. Bytes are visible under their key unrecorded only inside the transaction that
 * records them, for milliseconds, and in transit while one upload arrives: an hour leaves
 * every upload in progress alone, and still cleans up after a crash.
 */
const ORPHAN_GRACE_MS = 3600_000;

/** What one pass of the sweeper removed. */
export interface SweepOutcome {
  /** Uploads attached to nothing for longer than their TTL. */
  unattached: number;
  /** Blobs no row records and bytes left in transit, seen so for the grace period. */
  orphaned: number;
}

/** What the sweeper needs (see `UploadsServiceDeps`). */
export interface UploadSweeperDeps {
  db: Kysely<Database>;
  clock: Clock;
  blobs: BlobStore;
  /** How long an upload may stay attached to nothing before the sweeper deletes it. */
  unattachedTtlSeconds: number;
}

/** Deletes uploads never attached, and bytes in the store that no upload records. */
export class UploadSweeper {
  private sweeping: Promise<SweepOutcome> | undefined;
  /** Blobs no row recorded and bytes in transit, by when a pass first saw them so (server clock). */
  private unrecordedSince = new Map<string, number>();

  constructor(private readonly deps: UploadSweeperDeps) {}

  /**
   * One pass of the sweeper: removes what a crash left in the blob store (bytes no row
   * references, bytes in transit), then deletes uploads attached to nothing (no message, no
   * avatar) for longer than the TTL, and their bytes when nothing else uses them. A pass
   * asked for while one runs is that one.
   */
  sweep(): Promise<SweepOutcome> {
    this.sweeping ??= (async () => {
      try {
        const orphaned = await this.sweepOrphanedBytes();
        return { orphaned, unattached: await this.sweepUnattached() };
      } finally {
        this.sweeping = undefined;
      }
    })();
    return this.sweeping;
  }

  private async sweepUnattached(): Promise<number> {
    const { db, clock, blobs, unattachedTtlSeconds } = this.deps;
    const cutoff = toTimestamp(clock.now() - unattachedTtlSeconds * 1000);
    let total = 0;
    for (;;) {
      const deleted = await db.transaction().execute((trx) =>
        deleteUploads(trx, blobs, (t) =>
          t
            .selectFrom("uploads")
            .select(["id", "sha256"])
            .where("message_id", "is", null)
            .where("created_at", "<", cutoff)
            .where((eb) =>
              eb.not(eb.exists(eb.selectFrom("users").select("id").whereRef("avatar_upload_id", "=", "uploads.id"))),
            )
            .limit(SWEEP_BATCH)
            .execute(),
        ),
      );
      total += deleted;
      if (deleted < SWEEP_BATCH) return total;
    }
  }

  /**
   * Bytes stored but recorded by no row (a crash between storing them and committing their
   * upload) and bytes left in transit, once this sweeper has seen them so for the grace
   * period. Ages are kept on the server's clock from when a pass first saw them, not read
   * from the store, whose clock may differ. Listing the store costs one pass over it; the
   * database is asked per batch.
   */
  private async sweepOrphanedBytes(): Promise<number> {
    const { clock, blobs } = this.deps;
    const now = clock.now();
    const seen = new Map<string, number>();
    /** Whether `name` has been seen unrecorded for the grace period; notes it as seen either way. */
    const due = (name: string) => {
      const since = this.unrecordedSince.get(name) ?? now;
      seen.set(name, since);
      return now - since >= ORPHAN_GRACE_MS;
    };
    let removed = 0;
    for await (const name of blobs.leftovers()) {
      if (!due(`leftover:${name}`)) continue;
      await blobs.removeLeftover(name);
      removed += 1;
    }
    let batch: string[] = [];
    const sweepBatch = async () => {
      const unrecorded = await this.unrecorded(batch);
      batch = [];
      removed += await this.removeUnrecorded(unrecorded.filter((key) => due(`blob:${key}`)));
    };
    for await (const key of blobs.list()) {
      batch.push(key);
      if (batch.length === SWEEP_BATCH) await sweepBatch();
    }
    await sweepBatch();
    this.unrecordedSince = seen;
    return removed;
  }

  /** Those of these blob keys that no row records. */
  private async unrecorded(keys: readonly string[]): Promise<string[]> {
    if (keys.length === 0) return [];
    const rows = await this.deps.db.selectFrom("blobs").select("sha256").where("sha256", "in", keys).execute();
    const recorded = new Set(rows.map((row) => row.sha256));
    return keys.filter((key) => !recorded.has(key));
  }

  /** Deletes these blobs unless a row records them by now; answers how many it deleted. */
  private async removeUnrecorded(keys: readonly string[]): Promise<number> {
    const { db, blobs } = this.deps;
    let removed = 0;
    for (const key of keys) {
      // Under the blob row's lock, as `deleteUploads` deletes: a concurrent upload of the same
      // bytes either recorded them first (they stay) or stores them anew after.
      const deleted = await db.transaction().execute(async (trx) => {
        await trx
          .insertInto("blobs")
          .values({ sha256: key, size: 0, ref_count: 0 })
          .onConflict((oc) => oc.column("sha256").doNothing())
          .execute();
        const { ref_count } = await trx
          .updateTable("blobs")
          .set((eb) => ({ ref_count: eb.ref("ref_count") }))
          .where("sha256", "=", key)
          .returning("ref_count")
          .executeTakeFirstOrThrow();
        if (ref_count > 0) return false;
        await trx.deleteFrom("blobs").where("sha256", "=", key).execute();
        await blobs.delete(key);
        return true;
      });
      if (deleted) removed += 1;
    }
    return removed;
  }
}
