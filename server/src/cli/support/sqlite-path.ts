import { engineOf } from "@natter/db";
import { UsageError } from "./command.js";

/**
 * The file behind a SQLite database URL, for commands that work on the file itself.
 * PostgreSQL has tools of its own for this; the error names the one to use.
 */
export function sqlitePathOf(databaseUrl: string, command: string, postgresTool: string): string {
  if (engineOf(databaseUrl) === "postgres") {
    throw new UsageError(`${command} works on SQLite files; on PostgreSQL use ${postgresTool}`);
  }
  if (databaseUrl === ":memory:") throw new UsageError(`an in-memory database has nothing to ${command}`);
  return databaseUrl.startsWith("file:") ? new URL(databaseUrl).pathname : databaseUrl;
}
