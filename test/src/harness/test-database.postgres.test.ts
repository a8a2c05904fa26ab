import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDatabase } from "@natter/db";
import { sql } from "kysely";
import { afterEach, describe, expect, it } from "vitest";
import { createTestDatabase, TEST_POSTGRES_URL } from "./test-database.js";

/** Names of the databases on the suite's PostgreSQL server that begin with `prefix`. */
async function databasesNamed(prefix: string): Promise<string[]> {
  const { db, close } = openDatabase(TEST_POSTGRES_URL, { poolSize: 1 });
  try {
    const { rows } = await sql<{
      datname: string;
    }>`select datname from pg_database where starts_with(datname, ${prefix})`.execute(db);
    return rows.map((row) => row.datname);
  } finally {
    await close();
  }
}

describe("the suite's PostgreSQL databases", () => {
  const saved = process.env.NATTER_TEST_DB_PREFIX;
  afterEach(() => {
    if (saved === undefined) delete process.env.NATTER_TEST_DB_PREFIX;
    else process.env.NATTER_TEST_DB_PREFIX = saved;
  });

  it("are named with NATTER_TEST_DB_PREFIX, so runs sharing a server tell theirs apart", async () => {
    const prefix = `natter_prefix_${process.pid}_`;
    process.env.NATTER_TEST_DB_PREFIX = prefix;
    const dir = mkdtempSync(join(tmpdir(), "natter-prefix-"));
    try {
      const database = await createTestDatabase(dir, "postgres");
      const name = new URL(database.url).pathname.slice(1);
      expect(name.startsWith(prefix)).toBe(true);
      expect(await databasesNamed(prefix)).toEqual([name]);
      await database.drop();
      expect(await databasesNamed(prefix)).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("refuse a prefix PostgreSQL would need quoted", async () => {
    process.env.NATTER_TEST_DB_PREFIX = "Natter-Run;";
    await expect(createTestDatabase(tmpdir(), "postgres")).rejects.toThrow(/NATTER_TEST_DB_PREFIX/);
  });
});
