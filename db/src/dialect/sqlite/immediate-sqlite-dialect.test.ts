import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import SQLite from "better-sqlite3";
import { sql } from "kysely";
import { afterEach, beforeEach, expect, it } from "vitest";
import { migrateToLatest } from "../../migrations/migrate.js";
import { type OpenedDatabase, openDatabase } from "../open-database.js";

let dir: string;
let database: OpenedDatabase;
let otherProcess: SQLite.Database;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), "natter-db-"));
  database = openDatabase(join(dir, "natter.db"));
  await migrateToLatest(database);
  otherProcess = new SQLite(join(dir, "natter.db"));
  otherProcess.pragma("busy_timeout = 0");
});

afterEach(async () => {
  otherProcess.close();
  await database.close();
  rmSync(dir, { recursive: true, force: true });
});

it("holds the write lock from the start of a transaction, so it never has to upgrade a read", async () => {
  let otherWriterError: unknown;
  await database.db.transaction().execute(async (trx) => {
    await trx.selectFrom("users").selectAll().execute();
    try {
      otherProcess.exec("begin immediate; rollback");
    } catch (error) {
      otherWriterError = error;
    }
  });
  expect(otherWriterError).toMatchObject({ code: "SQLITE_BUSY" });
  // Once the transaction ends, the other writer gets the lock.
  expect(() => otherProcess.exec("begin immediate; rollback")).not.toThrow();
});

it("commits each of several transactions in turn, and rolls back a failed one between them", async () => {
  // Their begin and commit are compiled once and run again (Kysely's driver compiles them each time).
  for (const name of ["a", "b", "c"]) {
    await database.db.transaction().execute(async (trx) => {
      await sql`insert into stat_counters (name, value) values (${name}, 1)`.execute(trx);
    });
    const failed = database.db.transaction().execute(async (trx) => {
      await sql`insert into stat_counters (name, value) values (${`${name}-undone`}, 1)`.execute(trx);
      throw new Error("undo");
    });
    await expect(failed).rejects.toThrow("undo");
    // Another connection sees the commit: it is on disk, not only in this connection's view.
    const seen = otherProcess.prepare("select name from stat_counters where name like ? order by name").all(`${name}%`);
    expect(seen).toEqual([{ name }]);
  }
});

it("opens SQLite in WAL mode with foreign keys enforced", async () => {
  expect(otherProcess.pragma("journal_mode", { simple: true })).toBe("wal");
  const orphan = database.db
    .insertInto("sessions")
    .values({
      id: "s1",
      user_id: "no-such-user",
      token_hash: "h",
      created_at: "",
      last_used_at: "",
      idle_expires_at: "",
      absolute_expires_at: "",
    })
    .execute();
  await expect(orphan).rejects.toMatchObject({ code: "SQLITE_CONSTRAINT_FOREIGNKEY" });
});

it("reports a full disk as the cause of a failed transaction, not the rollback SQLite already did", async () => {
  const { page_count } = (await sql<{ page_count: number }>`pragma page_count`.execute(database.db)).rows[0] ?? {
    page_count: 0,
  };
  await sql.raw(`pragma max_page_count = ${page_count + 2}`).execute(database.db);
  const filling = database.db.transaction().execute(async (trx) => {
    for (let i = 0; i < 100; i += 1) {
      await sql`insert into kysely_migration (name, timestamp) values (${`filler-${i}`}, ${"x".repeat(20_000)})`.execute(
        trx,
      );
    }
  });
  await expect(filling).rejects.toThrow("database or disk is full");
});
