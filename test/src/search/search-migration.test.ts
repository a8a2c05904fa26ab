import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { migrateToLatest, openDatabase } from "@natter/db";
import { Migrator } from "kysely";
import { afterAll, describe, expect, it } from "vitest";
import { migrationProvider } from "../../../db/src/migrations/migrations.js";
import { createTestDatabase, startTestServer, type TestDatabase, type TestServer } from "../harness/index.js";
import { searchIds } from "./search-pages.js";

const AT = "2026-01-02T03:04:05.000Z";

/** Migration 0022 on a database that already holds messages: it indexes them as it adds the index. */
describe("the search migration on an existing database", () => {
  const dir = mkdtempSync(join(tmpdir(), "natter-search-migration-"));
  let database: TestDatabase | undefined;
  let server: TestServer | undefined;
  afterAll(async () => {
    await server?.stop();
    await database?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("finds the messages sent before it, and never the deleted ones", async () => {
    database = await createTestDatabase(dir);
    const opened = openDatabase(database.url, { poolSize: 1 });
    try {
      const migrator = new Migrator({ db: opened.db, provider: migrationProvider(opened.engine) });
      expect((await migrator.migrateTo("0021-a-mentions")).error).toBeUndefined();
      await opened.db
        .insertInto("users")
        .values({ id: "u1", username: "old", username_key: "old", password_hash: "x", created_at: AT })
        .execute();
      await opened.db
        .insertInto("rooms")
        .values({ id: "r1", name: "old-room", is_open: 1, member_count: 0, last_seq: 4, created_at: AT })
        .execute();
      const bodies = ["a wombat from before", "Café wombat, déjà vu", "旧的袋熊消息", null];
      await opened.db
        .insertInto("messages")
        .values(
          bodies.map((body, i) => ({
            id: `m${i}`,
            room_id: "r1",
            seq: i + 1,
            author_id: "u1",
            body,
            created_at: AT,
            ...(body === null && { deleted_at: AT }),
          })),
        )
        .execute();
      const { applied } = await migrateToLatest(opened);
      expect(applied).toContain("0022-message-search");
    } finally {
      await opened.close();
    }

    server = await startTestServer({ dir, database, config: { rateLimits: "off" } });
    const found = async (q: string) => (await searchIds(server?.url as string, undefined, { q })).sort();
    expect(await found("wombat")).toEqual(["m0", "m1"]);
    expect(await found("cafe deja")).toEqual(["m1"]);
    expect(await found("袋熊消")).toEqual(["m2"]);
    expect(await found("袋熊")).toEqual(["m2"]);
  });
});
