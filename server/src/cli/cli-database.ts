import { type Database, type DatabaseEngine, migrateToLatest, openDatabase } from "@natter/db";
import type { Kysely } from "kysely";
import { type Config, type ConfigInput, loadConfig } from "../config/config.js";

/**
 * Runs `work` on the database of `settings` (`--db`, else NATTER_DATABASE_URL, else the default),
 * migrated first, and closes it after. A server may be running on it: the engine's locks
 * (SQLite's write lock with its busy timeout, PostgreSQL's row locks) order the two.
 */
export async function withCliDatabase<T>(
  settings: ConfigInput,
  work: (db: Kysely<Database>, config: Config, engine: DatabaseEngine) => Promise<T>,
): Promise<T> {
  const config = loadConfig(settings);
  // One command, one statement at a time: a single connection.
  const database = openDatabase(config.databaseUrl, { poolSize: 1 });
  try {
    await migrateToLatest(database);
    return await work(database.db, config, database.engine);
  } finally {
    await database.close();
  }
}
