import type { Kysely, Migration } from "kysely";
import type { DatabaseEngine } from "../dialect/database-engine.js";
import { createPostgresSearchIndex, dropPostgresSearchIndex } from "../search/postgres-search-index.js";
import { createSqliteSearchIndex, dropSqliteSearchIndex } from "../search/sqlite-search-index.js";

/**
 * Full-text search over messages: FTS5 tables kept in step by triggers on SQLite, a generated
 * `tsvector` and trigram indexes on PostgreSQL. Existing messages are indexed here, in the
 * migration's transaction.
 */
export const messageSearch = (engine: DatabaseEngine): Migration => ({
  async up(db: Kysely<unknown>) {
    await (engine === "postgres" ? createPostgresSearchIndex(db) : createSqliteSearchIndex(db));
  },
  async down(db: Kysely<unknown>) {
    await (engine === "postgres" ? dropPostgresSearchIndex(db) : dropSqliteSearchIndex(db));
  },
});
