import type { Kysely, Migration } from "kysely";
import type { DatabaseEngine } from "../dialect/database-engine.js";
import { SQLITE_SEARCH_TABLES, setSqliteWordsSettings } from "../search/sqlite-search-index.js";

/**
 * SQLite: merges the words index's segments later and more at a time (`automerge`,
 * `crisismerge`, see `SQLITE_WORDS_SETTINGS`), which cuts the pages a send writes. Only
 * settings: today's segments stay as they are. PostgreSQL has no such settings. Down leaves
 * them: the index reads the same under any.
 */
export const searchWordsMerge = (engine: DatabaseEngine): Migration => ({
  async up(db: Kysely<unknown>) {
    if (engine === "sqlite") await setSqliteWordsSettings(db, SQLITE_SEARCH_TABLES.words, ["automerge", "crisismerge"]);
  },
  async down() {},
});
