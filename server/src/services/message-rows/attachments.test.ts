import { createHash } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { migrateToLatest, type OpenedDatabase, openDatabase } from "@natter/db";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { insertSharedBlobRows, type SharedBlobRows } from "../../../../test/src/harness/shared-blob-rows.js";
import { DirectoryBlobStore } from "../../uploads/directory-blob-store.js";
import { deleteUploads } from "./attachments.js";

// The PostgreSQL counterpart, attachments.postgres.test.ts, also races two transactions for real.
describe("deleteUploads on SQLite", () => {
  const bytes = Buffer.from("the bytes two uploads share");
  let database: OpenedDatabase;
  let blobsDir: string;
  let blobs: DirectoryBlobStore;
  let rows: SharedBlobRows;

  beforeEach(async () => {
    database = openDatabase(":memory:");
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
    await database.close();
    rmSync(blobsDir, { recursive: true, force: true });
  });

  it("counts an upload off its blob once when a second transaction deletes it from a stale selection", async () => {
    const { db } = database;
    // What a transaction that selected before another one deleted the upload holds.
    const stale = [{ id: rows.doomedId, sha256: rows.sha256 }];
    expect(await db.transaction().execute((trx) => deleteUploads(trx, blobs, async () => stale))).toBe(1);
    expect(await db.transaction().execute((trx) => deleteUploads(trx, blobs, async () => stale))).toBe(0);
    const blob = await db.selectFrom("blobs").select("ref_count").where("sha256", "=", rows.sha256).executeTakeFirst();
    expect(blob?.ref_count).toBe(1);
    expect(await blobs.has(rows.sha256)).toBe(true);
    expect((await db.selectFrom("uploads").select("id").execute()).map((row) => row.id)).toEqual([rows.keptId]);
  });
});
