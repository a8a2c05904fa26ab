import type { Kysely, Migration } from "kysely";
import type { DatabaseEngine } from "../dialect/database-engine.js";
import { replaceSqliteSearchTriggers } from "../search/sqlite-search-index.js";

/**
 * SQLite: the search index's live triggers leave the messages of a group commit to the batch,
 * which indexes them in one statement before it commits (see `SQLITE_SEARCH_PENDING`): one
 * FTS5 segment per batch instead of one per message. The index itself is kept. Down leaves the
 * new triggers: with the table they read empty, which it is whenever no batch of this version
 * runs, they index every row as the old ones did. PostgreSQL's index is a generated column and
 * needs nothing.
 */
export const searchBatchIndex = (engine: DatabaseEngine): Migration => ({
  async up(db: Kysely<unknown>) {
    if (engine === "sqlite") await replaceSqliteSearchTriggers(db);
  },
  async down() {},
});
