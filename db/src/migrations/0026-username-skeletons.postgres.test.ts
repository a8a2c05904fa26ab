import { afterAll, beforeAll, describe, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../../../test/src/harness/test-database.js";
import { checkUsernameSkeletonsMigration } from "../../../test/src/harness/username-skeletons-migration.js";
import { type OpenedDatabase, openDatabase } from "../dialect/open-database.js";

describe("migration 0026-username-skeletons on PostgreSQL", () => {
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

  it("gives existing users their skeletons, oldest first, and makes skeletons unique", async () => {
    await checkUsernameSkeletonsMigration(database);
  });
});
