import { Migrator, sql } from "kysely";
import { afterEach, describe, expect, it } from "vitest";
import { type OpenedDatabase, openDatabase } from "../dialect/open-database.js";
import { migrateToLatest } from "../migrations/migrate.js";
import { migrationProvider } from "../migrations/migrations.js";
import type { Database } from "../schema/database.js";
import {
  deferSqliteSearchIndexing,
  defersSqliteSearchInBatches,
  indexDeferredSqliteSearch,
  SQLITE_SEARCH_PENDING,
  SQLITE_SEARCH_TABLES,
} from "./sqlite-search-index.js";

const AT = "2026-01-02T03:04:05.000Z";

/** A database in memory migrated up to `migration`, with a user `u1` and a room `r1`. */
async function migratedTo(migration: string): Promise<OpenedDatabase> {
  const database = openDatabase(":memory:");
  const { db } = database;
  const migrator = new Migrator({ db, provider: migrationProvider(database.engine) });
  expect((await migrator.migrateTo(migration)).error).toBeUndefined();
  await sql`insert into users (id, username, username_key, password_hash, created_at)
    values ('u1', 'ann', 'ann', 'x', ${AT})`.execute(db);
  await sql`insert into rooms (id, name, is_open, member_count, last_seq, created_at)
    values ('r1', 'general', 1, 1, 0, ${AT})`.execute(db);
  return database;
}

describe("SQLite's search index in a group commit (migration 0035-search-batch-index)", () => {
  let database: OpenedDatabase;
  afterEach(() => database.close());

  it("indexes a batch's messages at its end as they are then, and every other write at once", async () => {
    database = await migratedTo("0034-send-partial-indexes");
    const { db } = database;
    let seq = 0;
    const send = (executor: typeof db, body: string) =>
      executor
        .insertInto("messages")
        .values({ id: `m${++seq}`, room_id: "r1", seq, author_id: "u1", body, created_at: AT })
        .execute();
    await send(db, "wombat from before the migration");
    expect((await migrateToLatest(database)).applied).toContain("0035-search-batch-index");
    expect(await defersSqliteSearchInBatches(db)).toBe(true);

    await db.transaction().execute(async (trx) => {
      const from = await deferSqliteSearchIndexing<Database>(trx);
      expect(from).toBe(1);
      await sql`savepoint room_change`.execute(trx);
      await send(trx, "numbat sent in the batch then edited"); // m2
      await send(trx, "quokka sent in the batch then deleted"); // m3
      await send(trx, "bilby 袋熊 sent in the batch"); // m4
      await trx.updateTable("messages").set({ body: "dingo after the edit" }).where("id", "=", "m2").execute();
      await trx.deleteFrom("messages").where("id", "=", "m3").execute();
      await trx.updateTable("messages").set({ body: "wombat edited in the batch" }).where("id", "=", "m1").execute();
      await sql`release savepoint room_change`.execute(trx);
      await sql`savepoint room_change`.execute(trx);
      await send(trx, "platypus of a change rolled back"); // m5
      await sql`rollback to savepoint room_change`.execute(trx);
      await indexDeferredSqliteSearch<Database>(trx, from);
    });
    await send(db, "echidna 针鼹鼠 sent alone"); // m6
    await send(db, "café crème, not CJK"); // m7

    const { words, cjk } = SQLITE_SEARCH_TABLES;
    // FTS5's own checks: the words index against the messages (every row's terms are its body's,
    // none missing); the CJK index, which holds some rows only and padded, within itself.
    await sql`insert into ${sql.id(words)} (${sql.id(words)}, rank) values ('integrity-check', 1)`.execute(db);
    await sql`insert into ${sql.id(cjk)} (${sql.id(cjk)}, rank) values ('integrity-check', 0)`.execute(db);
    const found = async (table: string, match: string) =>
      (
        await sql<{ id: string }>`select m.id from ${sql.id(table)} s join messages m on m.rowid = s.rowid
          where ${sql.id(table)} match ${match} order by m.rowid`.execute(db)
      ).rows.map((row) => row.id);
    expect(await found(words, "dingo")).toEqual(["m2"]);
    expect(await found(words, "numbat OR quokka OR platypus")).toEqual([]);
    expect(await found(words, "wombat")).toEqual(["m1"]);
    expect(await found(words, "edited")).toEqual(["m1"]);
    expect(await found(words, "bilby OR echidna")).toEqual(["m4", "m6"]);
    expect(await found(cjk, '"y 袋熊"')).toEqual(["m4"]);
    expect(await found(cjk, '"din" OR "quo"')).toEqual([]);
    expect(await found(cjk, '"针鼹鼠"')).toEqual(["m6"]);
    expect(await found(cjk, '"caf" OR "cre"')).toEqual([]);
    expect(await found(words, "cafe")).toEqual(["m7"]);
    const { rows } = await sql<{ n: number }>`select count(*) as n from ${sql.id(SQLITE_SEARCH_PENDING)}`.execute(db);
    expect(rows[0]?.n).toBe(0);
  });

  it("merges the words index into one segment at migration 0038-search-words-optimize", async () => {
    database = await migratedTo("0037-search-words-fanout");
    const { db } = database;
    const bodies = ["wombat one", "wombat two", "numbat three"];
    // A transaction each: a segment each (every segment has rows in `_idx`).
    for (const [i, body] of bodies.entries()) {
      await db
        .insertInto("messages")
        .values({ id: `m${i}`, room_id: "r1", seq: i + 1, author_id: "u1", body, created_at: AT })
        .execute();
    }
    const { words } = SQLITE_SEARCH_TABLES;
    const segments = async () =>
      Number(
        (await sql<{ n: number }>`select count(distinct segid) as n from ${sql.id(`${words}_idx`)}`.execute(db)).rows[0]
          ?.n,
      );
    expect(await segments()).toBe(3);
    expect((await migrateToLatest(database)).applied).toContain("0038-search-words-optimize");
    expect(await segments()).toBe(1);
    await sql`insert into ${sql.id(words)} (${sql.id(words)}, rank) values ('integrity-check', 1)`.execute(db);
    const { rows } = await sql<{ id: string }>`select m.id from ${sql.id(words)} s join messages m on m.rowid = s.rowid
      where ${sql.id(words)} match 'wombat OR numbat' order by m.rowid`.execute(db);
    expect(rows.map((row) => row.id)).toEqual(["m0", "m1", "m2"]);
  });
});
