import { afterAll, beforeAll, describe, it } from "vitest";
import { type OpenedDatabase, openDatabase } from "../../../db/src/dialect/open-database.js";
import { createTestDatabase, type TestDatabase } from "./test-database.js";

/** A migration's check (shared with its SQLite test) run on a PostgreSQL database of its own. */
export function describeMigrationOnPostgres(
  migration: string,
  behaviour: string,
  check: (database: OpenedDatabase) => Promise<void>,
): void {
  describe(`migration ${migration} on PostgreSQL`, () => {
    let target: TestDatabase;
    let database: OpenedDatabase;
    beforeAll(async () => {
      target = await createTestDatabase("", "postgres");
      database = openDatabase(target.url, { poolSize: 1 });
    });
    afterAll(async () => {
      await database?.close();
      await target?.drop();
    });

    it(behaviour, async () => {
      await check(database);
    });
  });
}
