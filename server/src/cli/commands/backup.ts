import { backupSqliteFile } from "@natter/db";
import { loadConfig } from "../../config/config.js";
import { type Command, UsageError } from "../command.js";
import { sqlitePathOf } from "../sqlite-path.js";

/** `natter backup --to FILE`: a consistent copy of the running server's SQLite database. */
export const backupCommand: Command = {
  name: "backup",
  summary: "copy the SQLite database to a new file, consistently, while the server runs",
  usage: "natter backup --to FILE [--db URL]",
  details: () => "Uses SQLite's online backup API, then verifies the copy by opening it. On PostgreSQL use pg_dump.",
  options: { to: { type: "string" }, db: { type: "string" } },
  async run({ values }) {
    if (typeof values.to !== "string") throw new UsageError("--to FILE is required");
    const config = loadConfig({ databaseUrl: values.db as string | undefined });
    const source = sqlitePathOf(config.databaseUrl, "backup", "pg_dump");
    const summary = await backupSqliteFile(source, values.to);
    console.log(JSON.stringify({ backup: values.to, from: source, ...summary }));
    return 0;
  },
};
