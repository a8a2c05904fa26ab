import { mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import SQLite from "better-sqlite3";
import { Kysely } from "kysely";
import type { Database } from "../schema/database.js";
import { ImmediateTransactionSqliteDialect } from "./immediate-sqlite-dialect.js";
import { withStatementCache } from "./statement-cache.js";

/** The SQLite file natter uses when no database URL is given. */
export const DEFAULT_DATABASE_URL = "./data/natter.db";

/** An open database: the Kysely instance and what the process must do to close it. */
export interface OpenedDatabase {
  db: Kysely<Database>;
  /** Which engine is behind `db`, for the few places SQL differs. */
  engine: "sqlite";
  close(): Promise<void>;
}

/**
 * Opens the database a URL names: a file path (or `file:` URL) or `:memory:` for SQLite.
 * `postgres://` URLs are reserved for the PostgreSQL dialect.
 */
export function openDatabase(url: string = DEFAULT_DATABASE_URL): OpenedDatabase {
  if (/^postgres(ql)?:\/\//.test(url)) {
    throw new Error("PostgreSQL is not supported yet: give a SQLite file path or :memory:");
  }
  const path = url.startsWith("file:") ? new URL(url).pathname : url;
  if (path !== ":memory:") mkdirSync(dirname(resolve(path)), { recursive: true });
  const sqlite = new SQLite(path);
  configureSqlite(sqlite);
  const db = new Kysely<Database>({
    dialect: new ImmediateTransactionSqliteDialect({ database: withStatementCache(sqlite) }),
  });
  return { db, engine: "sqlite", close: () => db.destroy() };
}

/**
 * WAL lets readers run beside the writer. synchronous=NORMAL is durable against a crash of
 * the process (the WAL is fsynced at checkpoints); a power loss may drop the last commits,
 * which is the usual trade for a chat server. busy_timeout makes a second process (the
 * `natter migrate` CLI beside a running server) wait for the write lock instead of failing.
 */
function configureSqlite(sqlite: SQLite.Database): void {
  sqlite.pragma("journal_mode = WAL");
  sqlite.pragma("synchronous = NORMAL");
  sqlite.pragma("foreign_keys = ON");
  sqlite.pragma("busy_timeout = 5000");
}
