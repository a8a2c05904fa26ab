import { Migrator } from "kysely";
import { afterEach, describe, expect, it } from "vitest";
import { type OpenedDatabase, openDatabase } from "../dialect/open-database.js";
import { migrateToLatest, pendingMigrations } from "./migrate.js";
import { migrationNames, migrationProvider } from "./migrations.js";

describe("migrateToLatest", () => {
  let database: OpenedDatabase;
  afterEach(() => database.close());

  it("runs a migration that landed after higher-numbered ones a database already ran", async () => {
    database = openDatabase(":memory:");
    const { db } = database;
    const all = migrationProvider("sqlite");
    const late = "0020-conversations";
    // A database migrated by a build that did not have `late` yet.
    const without: typeof all = {
      getMigrations: async () =>
        Object.fromEntries(Object.entries(await all.getMigrations()).filter(([n]) => n !== late)),
    };
    expect((await new Migrator({ db, provider: without }).migrateToLatest()).error).toBeUndefined();
    expect(await pendingMigrations(database)).toEqual([late]);

    expect(await migrateToLatest(database)).toEqual({ applied: [late] });
    expect(await pendingMigrations(database)).toEqual([]);
    const ran = await db
      .selectFrom("kysely_migration" as never)
      .select("name" as never)
      .execute();
    expect(ran.map((row) => (row as { name: string }).name).sort()).toEqual([...migrationNames()].sort());
  });
});
