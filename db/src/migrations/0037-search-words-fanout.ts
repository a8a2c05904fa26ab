import type { Kysely, Migration } from "kysely";
import type { DatabaseEngine } from "../dialect/database-engine.js";
import { SQLITE_SEARCH_TABLES, setSqliteWordsSettings } from "../search/sqlite-search-index.js";

/**
 * SQLite: the words index merges its segments 64 at a time (`automerge` 64, `crisismerge` 256,
 * see `SQLITE_WORDS_SETTINGS`): a send's segment is rewritten by fewer merges, which cuts what
 * the index costs a send. Only settings: today's segments stay as they are. PostgreSQL has no
 * such settings. Down leaves them: the index reads the same under any.
 */
export const searchWordsFanout = (engine: DatabaseEngine): Migration => ({
  async up(db: Kysely<unknown>) {
    if (engine === "sqlite") await setSqliteWordsSettings(db, SQLITE_SEARCH_TABLES.words, ["automerge", "crisismerge"]);
  },
  async down() {},
});
