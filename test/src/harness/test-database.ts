import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { type DatabaseEngine, openDatabase } from "@natter/db";
import { sql } from "kysely";

/**
 * The engine the suite runs on: SQLite unless `NATTER_TEST_DATABASE=postgres` (the
 * `e2e-postgres` project sets it).
 */
export const TEST_ENGINE: DatabaseEngine = process.env.NATTER_TEST_DATABASE === "postgres" ? "postgres" : "sqlite";

/** The PostgreSQL server tests make their databases on; the database named here is only where they connect to do it. */
export const TEST_POSTGRES_URL = process.env.NATTER_TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/test";

/**
 * How the names of the suite's PostgreSQL databases begin (`NATTER_TEST_DB_PREFIX`, default
 * `natter_t_`): runs that share one PostgreSQL server tell theirs apart, and a leftover is easy to
 * find and drop. Letters, digits and `_` only, as an unquoted PostgreSQL name takes them.
 */
export function testDatabasePrefix(): string {
  const prefix = process.env.NATTER_TEST_DB_PREFIX || "natter_t_";
  if (!/^[a-z_][a-z0-9_]{0,40}$/.test(prefix)) {
    throw new Error(`NATTER_TEST_DB_PREFIX must be 1-41 lowercase letters, digits or _ (not first a digit): ${prefix}`);
  }
  return prefix;
}

/** A database of one test server (or one test), on the suite's engine, made for it alone. */
export interface TestDatabase {
  engine: DatabaseEngine;
  /** What `--db` / `databaseUrl` takes: a SQLite file path, or a PostgreSQL URL. */
  url: string;
  /** Deletes the database (PostgreSQL; a SQLite file goes with its directory). */
  drop(): Promise<void>;
}

/**
 * Makes an empty database: a SQLite file `natter.db` in `dir`, or on PostgreSQL a database
 * `<testDatabasePrefix()><random>` of its own, so that test files run in parallel and leave nothing behind
 * (`icuLocale`: with that default collation instead of the cluster's).
 */
export async function createTestDatabase(
  dir: string,
  engine: DatabaseEngine = TEST_ENGINE,
  { icuLocale }: { icuLocale?: string } = {},
): Promise<TestDatabase> {
  if (engine === "sqlite") return { engine, url: join(dir, "natter.db"), drop: async () => {} };
  const name = `${testDatabasePrefix()}${randomBytes(6).toString("hex")}`;
  // An ICU locale stands for a production cluster whose default collation is not byte-wise.
  const locale = icuLocale ? sql` template template0 locale_provider icu icu_locale ${sql.lit(icuLocale)}` : sql``;
  await onMaintenanceConnection(sql`create database ${sql.id(name)}${locale}`);
  const url = new URL(TEST_POSTGRES_URL);
  url.pathname = `/${name}`;
  let dropped: Promise<void> | undefined;
  return {
    engine,
    url: url.toString(),
    // `with (force)` ends connections a crashed or killed server left behind.
    drop: () => {
      dropped ??= onMaintenanceConnection(sql`drop database if exists ${sql.id(name)} with (force)`);
      return dropped;
    },
  };
}

/** Runs one statement (outside any transaction, as `create database` needs) on `TEST_POSTGRES_URL`. */
async function onMaintenanceConnection(statement: ReturnType<typeof sql>): Promise<void> {
  const { db, close } = openDatabase(TEST_POSTGRES_URL, { poolSize: 1 });
  try {
    await statement.execute(db);
  } finally {
    await close();
  }
}
