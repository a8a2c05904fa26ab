import { type Expression, sql } from "kysely";
import type { DatabaseEngine } from "../dialect/database-engine.js";

/** A column's type as a migration writes it: a type name, or SQL for the engine. */
export type ColumnType = "text" | "integer" | "bigint" | Expression<unknown>;

/**
 * The types migrations give columns, so that both engines store and compare values alike.
 * Timestamps are fixed-width ISO-8601 text and booleans are 0/1 integers on both; there are
 * no blobs and no autoincrement. What differs:
 * - text: SQLite compares text byte by byte; PostgreSQL by the database's collation, which
 *   may ignore punctuation or case. `collate "C"` makes ordering, comparisons and indexes
 *   byte-wise on any PostgreSQL, whatever locale its cluster was created with.
 * - integer: SQLite's integers are 64-bit; PostgreSQL's `integer` is 32-bit, so `bigint`
 *   (read back as a number, see open-postgres.ts).
 * SQLite keeps exactly the types its databases were created with.
 */
export interface ColumnTypes {
  text: ColumnType;
  integer: ColumnType;
}

const SQLITE: ColumnTypes = { text: "text", integer: "integer" };
const POSTGRES: ColumnTypes = { text: sql`text collate "C"`, integer: "bigint" };

/** The column types for an engine. */
export function columnTypesOf(engine: DatabaseEngine): ColumnTypes {
  return engine === "postgres" ? POSTGRES : SQLITE;
}
