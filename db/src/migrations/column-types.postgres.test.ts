import { sql } from "kysely";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../../../test/src/harness/test-database.js";
import { type OpenedDatabase, openDatabase } from "../dialect/open-database.js";
import { migrateToLatest } from "./migrate.js";

// SQLite compares text byte by byte; a PostgreSQL database created with a linguistic default
// collation would not, unless the migrations say otherwise.
let target: TestDatabase;
let database: OpenedDatabase;
beforeAll(async () => {
  target = await createTestDatabase("", "postgres", { icuLocale: "en-US" });
  database = openDatabase(target.url, { poolSize: 1 });
  await migrateToLatest(database);
  const keys = ["a", "B", "c", "D", "a-b", "ab"];
  await database.db
    .insertInto("users")
    .values(
      keys.map((key) => ({
        id: `id-${key}`,
        username: key,
        username_key: key,
        password_hash: "x",
        created_at: "2026-01-01T00:00:00.000Z",
      })),
    )
    .execute();
});
afterAll(async () => {
  await database?.close();
  await target?.drop();
});

it("orders and compares text byte by byte, as SQLite does, whatever the database's collation", async () => {
  const ordered = await database.db.selectFrom("users").select("username").orderBy("username").execute();
  const bytewise = ["a", "B", "c", "D", "a-b", "ab"].sort();
  expect(ordered.map((row) => row.username)).toEqual(bytewise);
  const above = await database.db.selectFrom("users").select("username").where("username", ">", "a").execute();
  expect(above.map((row) => row.username).sort()).toEqual(["a-b", "ab", "c"]);
  // The database's own collation orders otherwise: without `collate "C"` the order would differ.
  const linguistic = await sql<{ username: string }>`
    select username from users order by username collate "default"`.execute(database.db);
  expect(linguistic.rows.map((row) => row.username)).not.toEqual(bytewise);
});

it("answers integers as numbers, as SQLite does", async () => {
  const row = await database.db
    .selectFrom("rooms")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .executeTakeFirstOrThrow();
  expect(row.n).toBe(0);
});
