import type { Kysely, Migration } from "kysely";
import { sql } from "kysely";
import type { DatabaseEngine } from "../dialect/database-engine.js";
import { createPostgresCjkBigramsIndex, POSTGRES_SEARCH } from "../search/postgres-search-index.js";

/**
 * PostgreSQL: an index of the character pairs of bodies with CJK text, so that a substring of
 * 2 characters is looked up instead of checked on every CJK message (`pg_trgm` needs 3). An
 * expression index: the table is not rewritten. SQLite finds them through its padded trigram
 * index (0025).
 */
export const searchPgCjkBigrams = (engine: DatabaseEngine): Migration => ({
  async up(db: Kysely<unknown>) {
    if (engine === "postgres") await createPostgresCjkBigramsIndex(db);
  },
  async down(db: Kysely<unknown>) {
    if (engine !== "postgres") return;
    await sql`drop index if exists ${sql.id(POSTGRES_SEARCH.bigramsIndex)}`.execute(db);
    await sql`drop function if exists ${sql.id(POSTGRES_SEARCH.bigrams)}(text)`.execute(db);
  },
});
