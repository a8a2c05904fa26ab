import { mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import SQLite from "better-sqlite3";
import { Kysely } from "kysely";
import type { Database } from "../../schema/database.js";
import { ImmediateTransactionSqliteDialect } from "./immediate-sqlite-dialect.js";
import { withStatementCache } from "./statement-cache.js";

/** Opens a SQLite file (created with its directory when missing), or an in-memory database. */
export function openSqlite(url: string): Kysely<Database> {
  const path = url.startsWith("file:") ? new URL(url).pathname : url;
  if (path !== ":memory:") mkdirSync(dirname(resolve(path)), { recursive: true });
  const sqlite = new SQLite(path);
  configureSqlite(sqlite);
  return new Kysely<Database>({
    dialect: new ImmediateTransactionSqliteDialect({ database: withStatementCache(sqlite) }),
  });
}

/**
 * WAL lets readers run beside the writer. synchronous=NORMAL is durable against a crash of
 * the process (the WAL is fsynced at checkpoints); a power loss may drop the last commits,
 * which is the usual trade for a chat server. busy_timeout makes a second process (the
 * `natter migrate` CLI beside a running server) wait for the write lock instead of failing.
 * temp_store=MEMORY keeps statement journals in memory: each change of a group commit runs in a
 * savepoint, whose journal (the pages the change touched, ~80 KiB for a send) outgrew SQLite's
 * 64 KiB and went to a temporary file, ~22 pages written per send beside the WAL's ~15 at 4 sends
 * in flight. Temporary tables and sorts are kept in memory too; natter's lists are bounded.
 */
function configureSqlite(sqlite: SQLite.Database): void {
  sqlite.pragma("journal_mode = WAL");
  sqlite.pragma("synchronous = NORMAL");
  sqlite.pragma("foreign_keys = ON");
  sqlite.pragma("busy_timeout = 5000");
  sqlite.pragma("temp_store = MEMORY");
}
