import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { migrateToLatest, openDatabase, SQLITE_WORDS_SETTINGS } from "@natter/db";
import { Migrator, sql } from "kysely";
import { afterAll, describe, expect, it } from "vitest";
import { migrationProvider } from "../../../db/src/migrations/migrations.js";
import { createTestDatabase, startTestServer, type TestDatabase, type TestServer } from "../harness/index.js";
import { searchIds } from "./search-pages.js";

const AT = "2026-01-02T03:04:05.000Z";

/**
 * Migrations 0022, 0025, 0031 and 0032 on a database that already holds messages: they index them as
 * they add (0022) and rebuild (0025: the CJK index; 0031: the words index) the index; 0032 sets the
 * words index's leaf size.
 */
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
      expect(applied).toEqual(
        expect.arrayContaining([
          "0022-message-search",
          "0025-search-short-cjk",
          "0031-search-words-columnsize",
          "0032-search-words-pgsz",
          "0033-search-words-merge",
          "0037-search-words-fanout",
          "0038-search-words-optimize",
        ]),
      );
      if (opened.engine === "sqlite") {
        // 0031: the words index keeps no `_docsize` table (a page less written by every send).
        const { rows } = await sql<{
          name: string;
        }>`select name from sqlite_master where name like 'messages_search%'`.execute(opened.db);
        expect(rows.map((row) => row.name)).not.toContain("messages_search_docsize");
        expect(rows.map((row) => row.name)).toContain("messages_search");
        // 0032: leaves of a quarter page, which a send's small segment fits beside; 0033 and 0037: fewer, larger merges.
        const { rows: settings } = await sql<{ k: string; v: number }>`select k, v from messages_search_config
          where k in ('pgsz', 'automerge', 'crisismerge')`.execute(opened.db);
        expect(Object.fromEntries(settings.map((row) => [row.k, row.v]))).toEqual(SQLITE_WORDS_SETTINGS);
        // 0038: one segment (each has rows in `_idx`), which the sends' merges leave alone.
        const { rows: segments } = await sql<{ n: number }>`select count(distinct segid) as n
          from messages_search_idx`.execute(opened.db);
        expect(segments[0]?.n).toBe(1);
      }
    } finally {
      await opened.close();
    }

    server = await startTestServer({ dir, database, config: { rateLimits: "off" } });
    const found = async (q: string) => (await searchIds(server?.url as string, undefined, { q })).sort();
    expect(await found("wombat")).toEqual(["m0", "m1"]);
    expect(await found("cafe deja")).toEqual(["m1"]);
    expect(await found("袋熊消")).toEqual(["m2"]);
    expect(await found("袋熊")).toEqual(["m2"]);
    // 1 and 2 characters, also at the very start and end of the body (0025 pads it so they start a trigram).
    expect(await found("消息")).toEqual(["m2"]);
    expect(await found("旧")).toEqual(["m2"]);
    expect(await found("息")).toEqual(["m2"]);
    expect(await found("熊消 旧的")).toEqual(["m2"]);
    expect(await found("息旧")).toEqual([]);
  });
});
