import type { SqliteDatabase, SqliteStatement } from "kysely";

/**
 * Kysely's SQLite driver calls `prepare` for every query; compiling the same SQL again on
 * every request is most of the cost of a small query. This keeps the most recently used
 * prepared statements, keyed by their SQL text. Safe because Kysely runs one query at a
 * time on its single connection.
 */
export function withStatementCache(
  database: { prepare(sql: string): SqliteStatement; close(): void },
  capacity = 256,
): SqliteDatabase {
  const statements = new Map<string, SqliteStatement>();
  return {
    close: () => database.close(),
    prepare(sql: string) {
      const cached = statements.get(sql);
      if (cached) {
        // Re-insert so the Map's order stays least-recently-used first.
        statements.delete(sql);
        statements.set(sql, cached);
        return cached;
      }
      const statement = database.prepare(sql);
      statements.set(sql, statement);
      if (statements.size > capacity) {
        const oldest = statements.keys().next().value;
        if (oldest !== undefined) statements.delete(oldest);
      }
      return statement;
    },
  };
}
