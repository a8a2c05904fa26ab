import { openDatabase, POSTGRES_SEARCH } from "@natter/db";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../harness/index.js";
import { type SearchFixture, startSearchFixture } from "./search-fixture.js";

/**
 * PostgreSQL's rebuild: `reindex index concurrently` of the words (tsvector GIN) and CJK
 * (trigram GIN) indexes; the generated column is always the body's and needs none.
 */
describe("natter reindex on PostgreSQL", () => {
  let fixture: SearchFixture;
  beforeAll(async () => {
    fixture = await startSearchFixture("postgres");
  });
  afterAll(async () => {
    await fixture?.stop();
  });

  /** Each search index's file (a rebuilt index has a new one) and whether it is valid. */
  async function indexFiles(): Promise<Record<string, { file: number; valid: boolean }>> {
    const opened = openDatabase(fixture.database.url, { poolSize: 1 });
    try {
      const { rows } = await sql<{ name: string; file: number; valid: boolean }>`
        select c.relname as name, c.relfilenode::bigint as file, i.indisvalid as valid
        from pg_class c join pg_index i on i.indexrelid = c.oid
        where c.relname in (${POSTGRES_SEARCH.wordsIndex}, ${POSTGRES_SEARCH.cjkIndex}, ${POSTGRES_SEARCH.bigramsIndex})`.execute(
        opened.db,
      );
      return Object.fromEntries(rows.map(({ name, file, valid }) => [name, { file: Number(file), valid }]));
    } finally {
      await opened.close();
    }
  }

  it("builds both indexes anew, valid, and names each as it goes", async () => {
    const { database, send, found } = fixture;
    const ids = [await send("capybara by the river"), await send("水豚在河边 capybara")];
    const before = await indexFiles();
    const indexes = [POSTGRES_SEARCH.wordsIndex, POSTGRES_SEARCH.cjkIndex, POSTGRES_SEARCH.bigramsIndex];
    expect(Object.keys(before).sort()).toEqual([...indexes].sort());

    const result = await runCli(["reindex", "--db", database.url]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`rebuilding ${POSTGRES_SEARCH.wordsIndex}`);
    expect(result.stdout).toContain(`rebuilding ${POSTGRES_SEARCH.cjkIndex}`);
    expect(result.stdout).toContain(`rebuilding ${POSTGRES_SEARCH.bigramsIndex}`);
    expect(result.stdout).toContain("done: 3 indexes rebuilt");

    const after = await indexFiles();
    for (const name of indexes) {
      expect(after[name]?.valid, name).toBe(true);
      expect(after[name]?.file, name).not.toBe(before[name]?.file);
    }
    expect(await found("capybara")).toEqual([...ids].sort());
    expect(await found("水豚在河")).toEqual([ids[1]]);
    expect(await found("河边")).toEqual([ids[1]]);
  });
});
