import { createRequire } from "node:module";
import { Kysely, PostgresDialect } from "kysely";
import type PG from "pg";
import type { Database } from "../../schema/database.js";

/** PostgreSQL's type id of `bigint` (int8). */
const INT8_OID = 20;

/**
 * Opens a pool of connections to a PostgreSQL database through Kysely's PostgresDialect.
 * Connections are made on first use, so this never fails; the first query does.
 */
export function openPostgres(url: string, poolSize: number): Kysely<Database> {
  // Required here, not imported: a server on SQLite should not load the driver at every start.
  const pg = createRequire(import.meta.url)("pg") as typeof PG;
  const pool = new pg.Pool({
    connectionString: url,
    max: poolSize,
    application_name: "natter",
    // SQLite hands integers back as numbers; so must PostgreSQL's bigint columns and counts,
    // or JSON output and comparisons would differ between engines. Seqs and counts stay far
    // below 2^53.
    types: {
      getTypeParser: ((oid: number, format?: "text" | "binary") =>
        oid === INT8_OID ? Number : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
    },
  });
  // An idle connection that the server drops emits here; without a listener the process
  // would crash. The pool discards that connection and the next query opens a fresh one.
  pool.on("error", () => {});
  // So does a connection checked out of the pool (inside a transaction, between two
  // statements) when the server ends it (a restart, `pg_terminate_backend`): the pool listens
  // only to idle ones. The statement in flight, or the next, fails with the cause, and the
  // pool discards the connection when it comes back.
  pool.on("connect", (client) => {
    client.on("error", () => {});
  });
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
}
