import { type Migration, sql } from "kysely";
import { afterEach, describe, expect, it } from "vitest";
import { type OpenedDatabase, openDatabase } from "../dialect/open-database.js";
import { migratorFor } from "./migrate.js";

const creating = (table: string): Migration => ({
  up: async (db) => {
    await sql`create table ${sql.table(table)} (id integer primary key)`.execute(db);
  },
});

describe("migratorFor", () => {
  let database: OpenedDatabase;
  afterEach(() => database.close());

  it("applies a migration named before one the database already has", async () => {
    database = openDatabase(":memory:");
    const { db } = database;
    const older = { "0001-a": creating("a"), "0023-c": creating("c") };
    expect((await migratorFor(db, { getMigrations: async () => older }).migrateToLatest()).error).toBeUndefined();

    const newer = { ...older, "0020-b": creating("b") };
    const { error, results } = await migratorFor(db, { getMigrations: async () => newer }).migrateToLatest();
    expect(error).toBeUndefined();
    expect(results?.map((result) => [result.migrationName, result.status])).toEqual([["0020-b", "Success"]]);
    expect((await sql`select count(*) as n from b`.execute(db)).rows).toEqual([{ n: 0 }]);
  });
});
