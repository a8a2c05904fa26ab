import type { Kysely } from "kysely";
import type { Database } from "../schema/database.js";
import { type DatabaseEngine, engineOf } from "./database-engine.js";
import { openPostgres } from "./postgres/open-postgres.js";
import { openSqlite } from "./sqlite/open-sqlite.js";

/** The SQLite file natter uses when no database URL is given. */
export const DEFAULT_DATABASE_URL = "./data/natter.db";

/** Connections a PostgreSQL pool keeps at most, unless told otherwise. */
export const DEFAULT_POOL_SIZE = 10;

/** An open database: the Kysely instance and what the process must do to close it. */
export interface OpenedDatabase {
  db: Kysely<Database>;
  /** Which engine is behind `db`, for the few places SQL differs. */
  engine: DatabaseEngine;
  close(): Promise<void>;
}

export interface OpenDatabaseOptions {
  /** PostgreSQL only: connections in the pool. SQLite has one connection. */
  poolSize?: number;
}

/**
 * Opens the database a URL names, the one place that chooses the engine: `postgres://` or
 * `postgresql://` is PostgreSQL (a pool of `poolSize` connections); a file path, a `file:`
 * URL or `:memory:` is SQLite.
 */
export function openDatabase(
  url: string = DEFAULT_DATABASE_URL,
  { poolSize = DEFAULT_POOL_SIZE }: OpenDatabaseOptions = {},
): OpenedDatabase {
  const engine = engineOf(url);
  const db = engine === "postgres" ? openPostgres(url, poolSize) : openSqlite(url);
  return { db, engine, close: () => db.destroy() };
}
