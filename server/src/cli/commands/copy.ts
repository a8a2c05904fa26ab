import { CopyMismatch, CopyRefused, copyDatabase, engineOf, redactDatabaseUrl } from "@natter/db";
import { type Command, UsageError } from "../support/command.js";
import { sqlitePathOf } from "../support/sqlite-path.js";

/** `natter copy --from FILE --to URL`: moves a SQLite database to PostgreSQL. */
export const copyCommand: Command = {
  name: "copy",
  summary: "copy a SQLite database into PostgreSQL (migrated first), then verify the copy",
  usage: "natter copy --from FILE --to postgres://USER@HOST:PORT/DB [--force]",
  details: () =>
    [
      "Copies every table (accounts, sessions, rooms, members, messages, room logs, read cursors, activity,",
      "uploads and attachments, counters) in batches, printing progress, in one transaction on the target.",
      "Before committing, compares each table's row count and each room's last seq with the source; on any",
      "difference it prints each one, rolls the copy back (the target keeps what it held) and exits 1.",
      "Refuses a target that holds any row; --force replaces what it holds.",
      "Reads one snapshot of the source: stop the server first, or what it writes later is not copied.",
      "Uploaded bytes are not in the database: point the new servers at the same uploads directory or",
      "S3 bucket (NATTER_UPLOADS_DIR, NATTER_S3_*), or copy the directory along.",
    ].join("\n"),
  options: { from: { type: "string" }, to: { type: "string" }, force: { type: "boolean" } },
  async run({ values }) {
    if (typeof values.from !== "string") throw new UsageError("--from FILE is required");
    if (typeof values.to !== "string") throw new UsageError("--to URL is required");
    const from = sqlitePathOf(values.from, "copy --from", "pg_dump");
    if (engineOf(values.to) !== "postgres") throw new UsageError("--to must be a postgres:// or postgresql:// URL");
    const to = redactDatabaseUrl(values.to);
    console.log(`copying ${from} to ${to}`);
    try {
      const report = await copyDatabase({
        from,
        to: values.to,
        force: values.force === true,
        onProgress: ({ table, copied, total }) => console.log(`${table}: ${copied}/${total}`),
      });
      const rows = Object.values(report.rows).reduce((sum, n) => sum + n, 0);
      console.log(
        `verified: ${rows} rows in ${Object.keys(report.rows).length} tables and the last seq of ${report.rooms} rooms match`,
      );
      return 0;
    } catch (error) {
      if (error instanceof CopyMismatch) {
        for (const mismatch of error.mismatches) console.error(`natter copy: mismatch: ${mismatch}`);
      } else if (!(error instanceof CopyRefused)) throw error;
      console.error(`natter copy: ${error.message}`);
      return 1;
    }
  },
};
