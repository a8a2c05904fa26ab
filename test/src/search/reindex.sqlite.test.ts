import {
  CJK_GLOB,
  dropAbandonedSqliteReindex,
  openDatabase,
  reindexSqliteSearch,
  SQLITE_REINDEX_STALE_MS,
  SQLITE_SEARCH_TABLES,
  SQLITE_WORDS_SETTINGS,
} from "@natter/db";
import SQLite from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rest, runCli, startTestServer } from "../harness/index.js";
import { type SearchFixture, startSearchFixture } from "./search-fixture.js";

/**
 * SQLite's rebuild: fresh FTS5 tables filled in batches beside the live ones, kept in step by
 * triggers for the rows already reached, swapped in at the end. The server keeps running on
 * the same file throughout.
 */
describe("natter reindex on SQLite", () => {
  let fixture: SearchFixture;
  beforeAll(async () => {
    fixture = await startSearchFixture("sqlite");
  });
  afterAll(async () => {
    await fixture?.stop();
  });

  /**
   * Checks both index tables: FTS5's own integrity check of each, and that each holds exactly
   * the messages it should (the words index every body, the CJK one the bodies with CJK text).
   * The words index (`columnsize = 0`, no `_docsize`) is checked against the content table by
   * FTS5 itself: a deleted message (null body) has no terms there either. The CJK index holds
   * only some rows, so its `_docsize` rowids are compared instead. Answers what is left of a
   * rebuild (`_next` tables and their triggers).
   */
  function checkIndex() {
    const raw = new SQLite(fixture.database.url);
    try {
      const { words, cjk } = SQLITE_SEARCH_TABLES;
      const rowids = (query: string, ...params: unknown[]) =>
        raw
          .prepare(query)
          .pluck()
          .all(...params);
      expect(() =>
        raw.prepare(`insert into ${words} (${words}, rank) values ('integrity-check', 1)`).run(),
      ).not.toThrow();
      expect(() => raw.prepare(`insert into ${cjk} (${cjk}) values ('integrity-check')`).run()).not.toThrow();
      // The words index's settings (0032, 0033) outlive a rebuild's rename of its tables.
      const settings = raw.prepare(`select k, v from ${words}_config where k <> 'version'`).all() as {
        k: string;
        v: number;
      }[];
      expect(Object.fromEntries(settings.map((row) => [row.k, row.v]))).toEqual(SQLITE_WORDS_SETTINGS);
      expect(rowids(`select id from ${cjk}_docsize order by id`)).toEqual(
        rowids("select rowid from messages where body glob ? order by rowid", CJK_GLOB),
      );
      return raw.prepare("select name from sqlite_master where name like '%search%next%'").all();
    } finally {
      raw.close();
    }
  }

  it("rebuilds an index that lost its entries from the messages table", async () => {
    const { database, send, found } = fixture;
    const ids = [await send("walrus on the ice"), await send("海象在冰上 walrus")];
    expect(await found("walrus")).toEqual([...ids].sort());
    // An index emptied behind the server's back (as a file restored without it would be).
    const raw = new SQLite(database.url);
    for (const table of Object.values(SQLITE_SEARCH_TABLES)) {
      raw.prepare(`insert into ${table} (${table}) values ('delete-all')`).run();
    }
    raw.close();
    expect(await found("walrus")).toEqual([]);
    expect(await found("海象在冰")).toEqual([]);

    const result = await runCli(["reindex", "--db", database.url]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/indexed \d+\/\d+ messages/);
    expect(await found("walrus")).toEqual([...ids].sort());
    expect(await found("海象在冰")).toEqual([ids[1]]);
    // What the rebuild made is in step with the messages.
    expect(checkIndex()).toEqual([]);
  });

  it("keeps sends, edits and deletes made between its batches, on rows reached and not yet reached", async () => {
    const { server, database, user, roomId, send, found } = fixture;
    const first: string[] = [];
    for (let i = 0; i < 30; i++) first.push(await send(`tapir ${i} 马来貘${i}号`));
    const reachedEdit = first[1] as string;
    const reachedDelete = first[2] as string;
    const unreachedEdit = first[28] as string;
    const unreachedDelete = first[29] as string;
    let during: string | undefined;
    const progressSeen: number[] = [];

    const opened = openDatabase(database.url, { poolSize: 1 });
    try {
      await reindexSqliteSearch(opened.db, {
        batchRows: 5,
        onProgress: async ({ indexed }) => {
          progressSeen.push(indexed);
          if (progressSeen.length !== 1) return;
          // Searches are served from the live index while the new one is built.
          expect(await found("tapir")).toHaveLength(30);
          const edit = (id: string, body: string) =>
            rest(server.url, "PATCH", `/rooms/${roomId}/messages/${id}`, { token: user.token, body: { body } });
          const remove = (id: string) =>
            rest(server.url, "DELETE", `/rooms/${roomId}/messages/${id}`, { token: user.token });
          expect((await edit(reachedEdit, "okapi, once upon a time")).status).toBe(200);
          expect((await edit(unreachedEdit, "okapi, also once upon a time 马来貘")).status).toBe(200);
          expect((await remove(reachedDelete)).status).toBe(200);
          expect((await remove(unreachedDelete)).status).toBe(200);
          during = await send("tapir sent during the rebuild");
        },
      });
    } finally {
      await opened.close();
    }

    // Batches of 5 over the whole table: progress was reported many times, rising.
    expect(progressSeen.length).toBeGreaterThan(5);
    expect(progressSeen).toEqual([...progressSeen].sort((a, b) => a - b));
    const without = (...gone: string[]) => first.filter((id) => !gone.includes(id));
    expect(await found("tapir")).toEqual(
      [...without(reachedEdit, reachedDelete, unreachedEdit, unreachedDelete), during as string].sort(),
    );
    expect(await found("okapi")).toEqual([reachedEdit, unreachedEdit].sort());
    expect(await found('"upon a time"')).toEqual([reachedEdit, unreachedEdit].sort());
    expect(await found("马来貘")).toEqual(without(reachedEdit, reachedDelete, unreachedDelete).sort());
    // A working index, and nothing of the rebuild left behind (no `_next` tables or triggers).
    expect(checkIndex()).toEqual([]);
    // Its batches' segments merged into one (each segment has rows in `_idx`): the sends' merges leave it alone.
    const raw = new SQLite(database.url, { readonly: true });
    const segments = raw.prepare(`select count(distinct segid) from ${SQLITE_SEARCH_TABLES.words}_idx`).pluck().get();
    raw.close();
    expect(segments).toBe(1);
  });

  it("leaves an interrupted rebuild's tables while it may still run, and a server started later drops them", async () => {
    const { database, send, found } = fixture;
    const ids = [await send("capybara one"), await send("capybara two"), await send("capybara three")];
    const opened = openDatabase(database.url, { poolSize: 1 });
    try {
      // Interrupted after its first batch (as a killed `natter reindex` would be).
      await expect(
        reindexSqliteSearch(opened.db, {
          batchRows: 2,
          onProgress: () => {
            throw new Error("interrupted");
          },
        }),
      ).rejects.toThrow("interrupted");
      const left = checkIndex().map((row) => (row as { name: string }).name);
      expect(left).toEqual(expect.arrayContaining(["messages_search_next", "messages_search_cjk_next"]));
      // Just stamped: it may be running, so it stays.
      expect(await dropAbandonedSqliteReindex(opened.db, Date.now())).toBe(false);
      expect(checkIndex()).not.toEqual([]);
      // Its triggers still keep the abandoned tables in step with every send, at a cost: searches are unaffected.
      const during = await send("capybara four");
      expect(await found("capybara")).toEqual([...ids, during].sort());
      // Stamped long ago, as after a crash: a server starting on the file drops it all.
      const raw = new SQLite(database.url);
      raw.prepare("update messages_search_reindex set touched_at = ?").run(Date.now() - SQLITE_REINDEX_STALE_MS - 1);
      raw.close();
    } finally {
      await opened.close();
    }
    const second = await startTestServer({ database, config: { rateLimits: "off" } });
    try {
      expect(checkIndex()).toEqual([]);
      expect(await found("capybara")).toHaveLength(4);
    } finally {
      await second.stop();
    }
  });
});
