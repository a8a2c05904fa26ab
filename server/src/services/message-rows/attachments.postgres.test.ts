import { createHash } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { migrateToLatest, type OpenedDatabase, openDatabase } from "@natter/db";
import { sql } from "kysely";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { insertSharedBlobRows, type SharedBlobRows } from "../../../../test/src/harness/shared-blob-rows.js";
import { createTestDatabase, type TestDatabase } from "../../../../test/src/harness/test-database.js";
import { DirectoryBlobStore } from "../../uploads/directory-blob-store.js";
import { deleteUploads } from "./attachments.js";

// The PostgreSQL counterpart of attachments.test.ts: here two transactions really overlap.
describe("deleteUploads on PostgreSQL", () => {
  const bytes = Buffer.from("the bytes two uploads share");
  let target: TestDatabase;
  let database: OpenedDatabase;
  let blobsDir: string;
  let blobs: DirectoryBlobStore;
  let rows: SharedBlobRows;

  beforeEach(async () => {
    target = await createTestDatabase("", "postgres");
    // Two racing transactions and a connection watching them.
    database = openDatabase(target.url, { poolSize: 3 });
    await migrateToLatest(database);
    blobsDir = mkdtempSync(join(tmpdir(), "natter-blobs-"));
    blobs = await DirectoryBlobStore.open(blobsDir);
    rows = await insertSharedBlobRows(database.db, createHash("sha256").update(bytes).digest("hex"), bytes.length);
    const pending = await blobs.create();
    pending.stream.end(bytes);
    await pending.stage();
    await pending.commit(rows.sha256);
  });
  afterEach(async () => {
    await database?.close();
    await target?.drop();
    rmSync(blobsDir, { recursive: true, force: true });
  });

  it("counts an upload off its blob once when two transactions select and delete it together", async () => {
    const { db } = database;
    const selectDoomed = (t: typeof db) =>
      t.selectFrom("uploads").select(["id", "sha256"]).where("id", "=", rows.doomedId).execute();
    let release = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let firstDeleted = () => {};
    const deletedByFirst = new Promise<void>((resolve) => {
      firstDeleted = resolve;
    });
    // The first transaction deletes the upload and stays open, holding its row's lock.
    const first = db.transaction().execute(async (trx) => {
      const count = await deleteUploads(trx, blobs, selectDoomed);
      firstDeleted();
      await held;
      return count;
    });
    await deletedByFirst;
    // The second still sees the upload (read committed), and its delete waits for the first.
    const second = db.transaction().execute((trx) => deleteUploads(trx, blobs, selectDoomed));
    await vi.waitFor(
      async () => {
        const { rows: waiting } = await sql<{ n: number }>`select count(*)::int as n from pg_stat_activity
          where datname = current_database() and wait_event_type = 'Lock'`.execute(db);
        expect(waiting[0]?.n).toBe(1);
      },
      { timeout: 10_000, interval: 20 },
    );
    release();
    expect(await first).toBe(1);
    expect(await second).toBe(0);
    const blob = await db.selectFrom("blobs").select("ref_count").where("sha256", "=", rows.sha256).executeTakeFirst();
    expect(blob?.ref_count).toBe(1);
    expect(await blobs.has(rows.sha256)).toBe(true);
    expect((await db.selectFrom("uploads").select("id").execute()).map((row) => row.id)).toEqual([rows.keptId]);
  });
});
