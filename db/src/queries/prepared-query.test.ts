import type { KyselyPlugin, PluginTransformQueryArgs, PluginTransformResultArgs } from "kysely";
import { afterEach, beforeEach, expect, it } from "vitest";
import { type OpenedDatabase, openDatabase } from "../dialect/open-database.js";
import { migrateToLatest } from "../migrations/migrate.js";
import { PREPARED_ROW_COUNTS, preparedInsert, preparedQuery } from "./prepared-query.js";

let database: OpenedDatabase;

beforeEach(async () => {
  database = openDatabase(":memory:");
  await migrateToLatest(database);
});

afterEach(async () => {
  await database.close();
});

/** The counters these tests made (the migrations make counters of their own). */
const testCounters = (db: OpenedDatabase["db"]) =>
  db.selectFrom("stat_counters").select(["name", "value"]).where("name", "like", "t:%").orderBy("name").execute();

const insertCounter = preparedQuery((db, name: string, value: number) =>
  db.insertInto("stat_counters").values({ name, value }),
);
const addToCounter = preparedQuery((db, name: string) =>
  db
    .updateTable("stat_counters")
    .set((eb) => ({ value: eb("value", "+", 10) }))
    .where("name", "=", name)
    .returning(["name", "value"]),
);

it("runs with each call's values in their places, and the builder's constants kept", async () => {
  await insertCounter(database.db, "t:a", 1);
  await insertCounter(database.db, "t:b", 2);
  expect((await addToCounter(database.db, "t:b")).rows).toEqual([{ name: "t:b", value: 12 }]);
  expect((await addToCounter(database.db, "t:b")).rows).toEqual([{ name: "t:b", value: 22 }]);
  expect(await testCounters(database.db)).toEqual([
    { name: "t:a", value: 1 },
    { name: "t:b", value: 22 },
  ]);
});

it("runs inside a transaction, on its connection: a rollback takes its writes back", async () => {
  await expect(
    database.db.transaction().execute(async (trx) => {
      await insertCounter(trx, "t:inside", 5);
      expect((await addToCounter(trx, "t:inside")).rows).toEqual([{ name: "t:inside", value: 15 }]);
      throw new Error("roll back");
    }),
  ).rejects.toThrow("roll back");
  expect(await testCounters(database.db)).toEqual([]);
});

it("compiles once per database, and each database runs it on its own data", async () => {
  const other = openDatabase(":memory:");
  try {
    await migrateToLatest(other);
    await insertCounter(database.db, "t:here", 1);
    await insertCounter(other.db, "t:there", 2);
    expect(await testCounters(other.db)).toEqual([{ name: "t:there", value: 2 }]);
    expect(await testCounters(database.db)).toEqual([{ name: "t:here", value: 1 }]);
  } finally {
    await other.close();
  }
});

it("lets plugins see every run, as they see a built query's", async () => {
  const seen: string[] = [];
  const recorder: KyselyPlugin = {
    transformQuery: ({ node, queryId }: PluginTransformQueryArgs) => {
      seen.push(`query ${queryId.queryId}`);
      return node;
    },
    transformResult: async ({ result, queryId }: PluginTransformResultArgs) => {
      seen.push(`result ${queryId.queryId}`);
      return result;
    },
  };
  const db = database.db.withPlugin(recorder);
  // The first runs compile, and a compile shows the plugin the query too.
  await insertCounter(db, "t:x", 1);
  await addToCounter(db, "t:x");
  seen.length = 0;
  await insertCounter(db, "t:y", 1);
  await addToCounter(db, "t:y");
  expect(seen).toHaveLength(4);
  const [firstQuery, firstResult, secondQuery, secondResult] = seen.map((line) => line.split(" ")[1]);
  expect(firstResult).toBe(firstQuery);
  expect(secondResult).toBe(secondQuery);
  expect(secondQuery).not.toBe(firstQuery);
  // In a transaction too, where SQLite's runs go to the transaction's connection directly.
  seen.length = 0;
  await db.transaction().execute(async (trx) => {
    await insertCounter(trx, "t:z", 1);
    await addToCounter(trx, "t:z");
  });
  expect(seen).toHaveLength(4);
});

it("runs a transaction's queries on its connection while another caller waits for the database", async () => {
  let release = () => {};
  const held = new Promise<void>((resolve) => {
    release = resolve;
  });
  const transaction = database.db.transaction().execute(async (trx) => {
    await insertCounter(trx, "t:first", 1);
    await held;
    await addToCounter(trx, "t:first");
  });
  // Queued behind the open transaction: it runs after the commit, and sees its writes.
  const outside = addToCounter(database.db, "t:first");
  release();
  await transaction;
  expect((await outside).rows).toEqual([{ name: "t:first", value: 21 }]);
});

it("inserts rows prepared per row count, and built above PREPARED_ROW_COUNTS, alike: each row's values and the constants", async () => {
  const insertCounters = preparedInsert("stat_counters", ["name"], { value: 7 });
  const names = (count: number, prefix: string) =>
    Array.from({ length: count }, (_, i) => ({ name: `t:${prefix}${String(i).padStart(3, "0")}` }));
  await insertCounters(database.db, []);
  for (const rows of [names(1, "a"), names(3, "b"), names(3, "c"), names(PREPARED_ROW_COUNTS + 1, "d")]) {
    await insertCounters(database.db, rows);
  }
  const stored = await testCounters(database.db);
  expect(stored).toEqual(
    [...names(1, "a"), ...names(3, "b"), ...names(3, "c"), ...names(PREPARED_ROW_COUNTS + 1, "d")].map(({ name }) => ({
      name,
      value: 7,
    })),
  );
});
