import { type Database, migrateToLatest, openDatabase } from "@natter/db";
import type { Kysely } from "kysely";
import { type Config, loadConfig } from "../config/config.js";

/**
 * Runs `work` on the database of `--db` (else NATTER_DATABASE_URL, else the default),
 * migrated first, and closes it after. A server may be running on it: SQLite's write lock
 * (with its busy timeout) orders the two.
 */
export async function withCliDatabase<T>(
  databaseUrl: string | undefined,
  work: (db: Kysely<Database>, config: Config) => Promise<T>,
): Promise<T> {
  const config = loadConfig({ databaseUrl });
  const database = openDatabase(config.databaseUrl);
  try {
    await migrateToLatest(database.db);
    return await work(database.db, config);
  } finally {
    await database.close();
  }
}
