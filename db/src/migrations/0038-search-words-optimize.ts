import type { Kysely, Migration } from "kysely";
import type { DatabaseEngine } from "../dialect/database-engine.js";
import { optimizeSqliteWordsIndex } from "../search/sqlite-search-index.js";

/**
 * SQLite: the words index merged into one segment (see `optimizeSqliteWordsIndex`), so that the
 * segments its build left where the sends' segments land are no longer rewritten by their
 * merges, a few leaves at every send. One rewrite of the index, at the migration. PostgreSQL
 * has no segments. Down leaves it merged: the index reads the same.
 */
export const searchWordsOptimize = (engine: DatabaseEngine): Migration => ({
  async up(db: Kysely<unknown>) {
    if (engine === "sqlite") await optimizeSqliteWordsIndex(db);
  },
  async down() {},
});
