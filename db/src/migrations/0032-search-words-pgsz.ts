import type { Kysely, Migration } from "kysely";
import type { DatabaseEngine } from "../dialect/database-engine.js";
import { SQLITE_SEARCH_TABLES, setSqliteWordsSettings } from "../search/sqlite-search-index.js";

/**
 * SQLite: gives the words index leaves of `SQLITE_WORDS_PAGE_SIZE` bytes instead of a whole
 * page, which cuts the pages a send writes (see there). Only a setting: leaves written from
 * now on have it, those of today's segments are rewritten as merges reach them (`natter
 * reindex` rewrites them all at once). PostgreSQL has no such setting. Down leaves it: any
 * leaf size reads the same.
 */
export const searchWordsPageSize = (engine: DatabaseEngine): Migration => ({
  async up(db: Kysely<unknown>) {
    if (engine === "sqlite") await setSqliteWordsSettings(db, SQLITE_SEARCH_TABLES.words, ["pgsz"]);
  },
  async down() {},
});
