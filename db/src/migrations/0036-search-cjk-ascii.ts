import type { Kysely, Migration } from "kysely";
import type { DatabaseEngine } from "../dialect/database-engine.js";
import { replaceSqliteSearchTriggers } from "../search/sqlite-search-index.js";

/**
 * SQLite: the search index's live triggers test whether a body holds CJK text only if it holds
 * something other than ASCII (its bytes outnumber its characters), and a batch's rows by the
 * watermark first: GLOB's character class cost ~55,000 instructions a message, a sixth of what
 * the index cost a send, and a batch's messages were tested twice (see `withCjk`). Same rows
 * indexed; the index itself is kept. Down leaves the new triggers, which index the same rows.
 */
export const searchCjkAscii = (engine: DatabaseEngine): Migration => ({
  async up(db: Kysely<unknown>) {
    if (engine === "sqlite") await replaceSqliteSearchTriggers(db);
  },
  async down() {},
});
