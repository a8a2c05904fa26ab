import type { Kysely, Migration } from "kysely";
import type { DatabaseEngine } from "../dialect/database-engine.js";
import { rebuildSqliteCjkIndex } from "../search/sqlite-search-index.js";

/**
 * SQLite: rebuilds the CJK trigram index with each body padded by two characters, so that
 * every character starts a trigram and a query of 1 or 2 CJK characters is answered through
 * the index (the trigrams it begins) instead of a scan of every CJK message. PostgreSQL's
 * trigram index needs no change (`pg_trgm` pads words itself). Down leaves the padded index:
 * the code of before reads it as it read the old one (no query holds the padding).
 */
export const searchShortCjk = (engine: DatabaseEngine): Migration => ({
  async up(db: Kysely<unknown>) {
    if (engine === "sqlite") await rebuildSqliteCjkIndex(db);
  },
  async down() {},
});
