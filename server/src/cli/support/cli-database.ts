import { existsSync } from "node:fs";
import {
  type Database,
  type DatabaseEngine,
  engineOf,
  migrateToLatest,
  openDatabase,
  redactDatabaseUrl,
} from "@natter/db";
import type { Kysely } from "kysely";
import { type Config, type ConfigInput, loadConfig } from "../../config/config.js";
import { UsageError } from "./command.js";

/** The table Kysely's migrator keeps: a natter database has it from its first migration on. */
const MIGRATION_TABLE = "kysely_migration";

/**
 * Runs `work` on the existing natter database of `settings` (`--db`, else NATTER_DATABASE_URL,
 * else the default), brought to the latest schema first, and closes it after. A server may be
 * running on it: the engine's locks (SQLite's write lock with its busy timeout, PostgreSQL's row
 * locks) order the two.
 *
 * Only `serve` and `migrate` make a database: a mistyped or forgotten `--db` here would otherwise
 * create and migrate an empty one and act on it (`admin grant` would then find no such user, or
 * `users add` would add one nobody's server reads), so a database that is not there, or holds no
 * natter schema, is refused before anything is written.
 */
export async function withCliDatabase<T>(
  settings: ConfigInput,
  work: (db: Kysely<Database>, config: Config, engine: DatabaseEngine) => Promise<T>,
): Promise<T> {
  const config = loadConfig(settings);
  const shown = redactDatabaseUrl(config.databaseUrl);
  const remedy = `check --db (or NATTER_DATABASE_URL); \`natter migrate --db ${shown}\` makes a new one`;
  if (!sqliteFileExists(config.databaseUrl)) throw new UsageError(`no natter database at ${shown}: ${remedy}`);
  // One command, one statement at a time: a single connection.
  const database = openDatabase(config.databaseUrl, { poolSize: 1 });
  try {
    const tables = await database.db.introspection.getTables({ withInternalKyselyTables: true });
    if (!tables.some((table) => table.name === MIGRATION_TABLE)) {
      throw new UsageError(`${shown} holds no natter database: ${remedy}`);
    }
    await migrateToLatest(database);
    return await work(database.db, config, database.engine);
  } finally {
    await database.close();
  }
}

/** Whether a SQLite URL names a file that exists (`:memory:` never does); true for PostgreSQL, asked once connected. */
function sqliteFileExists(databaseUrl: string): boolean {
  if (engineOf(databaseUrl) === "postgres") return true;
  if (databaseUrl === ":memory:") return false;
  return existsSync(databaseUrl.startsWith("file:") ? new URL(databaseUrl).pathname : databaseUrl);
}
