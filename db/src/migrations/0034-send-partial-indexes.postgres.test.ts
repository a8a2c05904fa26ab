import { afterAll, beforeAll, describe, it } from "vitest";
import { checkSendPartialIndexesMigration } from "../../../test/src/harness/send-partial-indexes-migration.js";
import { createTestDatabase, type TestDatabase } from "../../../test/src/harness/test-database.js";
import { type OpenedDatabase, openDatabase } from "../dialect/open-database.js";

describe("migration 0034-send-partial-indexes on PostgreSQL", () => {
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

  it("keeps messages found by thread, pin and client id, and a client id unique", async () => {
    await checkSendPartialIndexesMigration(database);
  });
});
