import type { Kysely, Migration } from "kysely";
import type { DatabaseEngine } from "../dialect/database-engine.js";
import { rebuildSqliteWordsIndex } from "../search/sqlite-search-index.js";

/**
 * SQLite: rebuilds the words index with `columnsize = 0`, without the `_docsize` table whose
 * row per message every send wrote and no query read (the server computes bm25 from the
 * bodies). Cuts what the index adds to a send. PostgreSQL has no such table. Down leaves the
 * new layout: the code of before reads it as it read the old one (it never reads `_docsize`).
 */
export const searchWordsColumnsize = (engine: DatabaseEngine): Migration => ({
  async up(db: Kysely<unknown>) {
    if (engine === "sqlite") await rebuildSqliteWordsIndex(db);
  },
  async down() {},
});
