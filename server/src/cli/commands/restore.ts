import { restoreSqliteFile } from "@natter/db";
import { loadConfig } from "../../config/config.js";
import { type Command, UsageError } from "../command.js";
import { sqlitePathOf } from "../sqlite-path.js";

/** `natter restore --from FILE`: a verified backup into a location with no database yet. */
export const restoreCommand: Command = {
  name: "restore",
  summary: "restore a backup made by `natter backup` into an empty location",
  usage: "natter restore --from FILE [--db URL]",
  details: () =>
    "Refuses to overwrite: the target (--db or NATTER_DATABASE_URL) must not exist. On PostgreSQL use pg_restore.",
  options: { from: { type: "string" }, db: { type: "string" } },
  async run({ values }) {
    if (typeof values.from !== "string") throw new UsageError("--from FILE is required");
    const config = loadConfig({ databaseUrl: values.db as string | undefined });
    const target = sqlitePathOf(config.databaseUrl, "restore", "pg_restore");
    const summary = await restoreSqliteFile(values.from, target);
    console.log(JSON.stringify({ restored: target, from: values.from, ...summary }));
    return 0;
  },
};
