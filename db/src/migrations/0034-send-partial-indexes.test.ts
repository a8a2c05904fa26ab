import { afterEach, describe, it } from "vitest";
import { checkSendPartialIndexesMigration } from "../../../test/src/harness/send-partial-indexes-migration.js";
import { type OpenedDatabase, openDatabase } from "../dialect/open-database.js";

describe("migration 0034-send-partial-indexes on SQLite", () => {
  let database: OpenedDatabase;
  afterEach(() => database.close());

  it("keeps messages found by thread, pin and client id, and a client id unique", async () => {
    database = openDatabase(":memory:");
    await checkSendPartialIndexesMigration(database);
  });
});
