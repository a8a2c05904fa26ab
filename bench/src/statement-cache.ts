/**
 * Kysely on better-sqlite3 with and without natter's prepared-statement cache, side by
 * side in one run: the same point lookups and inserts on two fresh databases.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Database, migrateToLatest, withStatementCache } from "@natter/db";
import SQLite from "better-sqlite3";
import { Kysely, SqliteDialect } from "kysely";
import { fixed, summarize } from "./stats.js";

const QUERIES = Number(process.env.QUERIES ?? 20_000);
const ROUNDS = 5;

async function open(dir: string, name: string, cached: boolean) {
  const sqlite = new SQLite(join(dir, name));
  sqlite.pragma("journal_mode = WAL");
  sqlite.pragma("synchronous = NORMAL");
  const db = new Kysely<Database>({
    dialect: new SqliteDialect({ database: cached ? withStatementCache(sqlite) : sqlite }),
  });
  await migrateToLatest({ db, engine: "sqlite" });
  const users = Array.from({ length: 1000 }, (_, i) => ({
    id: `user-${i}`,
    username: `user${i}`,
    username_key: `user${i}`,
    password_hash: "x",
    created_at: new Date().toISOString(),
  }));
  await db.insertInto("users").values(users).execute();
  return db;
}

/** Queries per second of point lookups by primary key. */
async function lookups(db: Kysely<Database>): Promise<number> {
  const started = performance.now();
  for (let i = 0; i < QUERIES; i += 1) {
    await db
      .selectFrom("users")
      .selectAll()
      .where("id", "=", `user-${i % 1000}`)
      .executeTakeFirst();
  }
  return QUERIES / ((performance.now() - started) / 1000);
}

const dir = mkdtempSync(join(tmpdir(), "natter-bench-"));
try {
  const plain = await open(dir, "plain.db", false);
  const cached = await open(dir, "cached.db", true);
  const samples = { plain: [] as number[], cached: [] as number[] };
  for (let round = 0; round < ROUNDS; round += 1) {
    samples.plain.push(await lookups(plain));
    samples.cached.push(await lookups(cached));
  }
  const p = summarize(samples.plain);
  const c = summarize(samples.cached);
  console.log(`point lookups through Kysely, ${QUERIES} per round, ${ROUNDS} rounds (queries/s, median)`);
  console.log(`  prepare every query   ${fixed(p.p50, 0)}`);
  console.log(`  statement cache       ${fixed(c.p50, 0)}`);
  console.log(`  ratio cached/plain    ${fixed(c.p50 / p.p50, 2)}`);
  await plain.destroy();
  await cached.destroy();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
