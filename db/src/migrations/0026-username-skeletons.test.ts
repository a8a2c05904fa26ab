import { afterEach, describe, it } from "vitest";
import { checkUsernameSkeletonsMigration } from "../../../test/src/harness/username-skeletons-migration.js";
import { type OpenedDatabase, openDatabase } from "../dialect/open-database.js";

describe("migration 0026-username-skeletons on SQLite", () => {
  let database: OpenedDatabase;
  afterEach(() => database.close());

  it("gives existing users their skeletons, oldest first, and makes skeletons unique", async () => {
    database = openDatabase(":memory:");
    await checkUsernameSkeletonsMigration(database);
  });
});
