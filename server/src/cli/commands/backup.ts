import { existsSync } from "node:fs";
import { backupSqliteFile, blobKeysOf } from "@natter/db";
import { copyBlobFiles, uploadsBackupDirOf } from "../../backup/blob-files.js";
import { loadConfig } from "../../config/config.js";
import { uploadsDirOf } from "../../uploads/open-blob-store.js";
import { type Command, UsageError } from "../support/command.js";
import { progressLine } from "../support/progress-line.js";
import { sqlitePathOf } from "../support/sqlite-path.js";

/** How long a backup may take unless told otherwise. */
const DEFAULT_TIMEOUT_SECONDS = 600;

/** `natter backup --to FILE`: a consistent copy of the running server's SQLite database and its uploads. */
export const backupCommand: Command = {
  name: "backup",
  summary: "copy the SQLite database and its uploads, consistently, while the server runs",
  usage: "natter backup --to FILE [--db URL] [--uploads-dir DIR] [--timeout SECONDS]",
  details: () =>
    [
      "Copies one snapshot of the database with SQLite's online backup API (writers go on meanwhile), shows",
      "the progress on stderr, verifies the copy by opening it, then copies the uploads it references into",
      `FILE.uploads/. Gives up after --timeout seconds (${DEFAULT_TIMEOUT_SECONDS} by default), leaving nothing behind.`,
      "Uploads kept in an S3 bucket are not copied: back the bucket up with its own tools. On PostgreSQL use pg_dump.",
    ].join("\n"),
  options: {
    to: { type: "string" },
    db: { type: "string" },
    "uploads-dir": { type: "string" },
    timeout: { type: "string" },
  },
  async run({ values }) {
    if (typeof values.to !== "string") throw new UsageError("--to FILE is required");
    const timeoutSeconds = Number(values.timeout ?? DEFAULT_TIMEOUT_SECONDS);
    if (!(timeoutSeconds > 0)) throw new UsageError("--timeout takes a number of seconds above 0");
    const config = loadConfig({
      databaseUrl: values.db as string | undefined,
      uploadsDir: values["uploads-dir"] as string | undefined,
    });
    const source = sqlitePathOf(config.databaseUrl, "backup", "pg_dump");
    const uploadsTo = uploadsBackupDirOf(values.to);
    if (existsSync(uploadsTo)) throw new Error(`${uploadsTo} exists already; choose a new file`);
    const show = progressLine("backup");
    const summary = await backupSqliteFile(source, values.to, {
      timeoutMs: timeoutSeconds * 1000,
      onProgress: ({ copiedPages, totalPages, pageSize }) => show(copiedPages * pageSize, totalPages * pageSize),
    });
    let uploads: Record<string, unknown>;
    if (config.s3Endpoint !== undefined) {
      console.error(
        `natter backup: WARNING: uploads are kept in the S3 bucket ${config.s3Bucket}, which this backup does not copy; back the bucket up with its own tools`,
      );
      uploads = { store: "s3", bucket: config.s3Bucket, copied: false };
    } else {
      const from = uploadsDirOf(config);
      const copied = await copyBlobFiles(blobKeysOf(values.to), from, uploadsTo);
      if (copied.missing.length > 0) {
        console.error(
          `natter backup: WARNING: ${copied.missing.length} uploads the database references are missing from ${from} (deleted since, or lost): ${copied.missing.slice(0, 5).join(", ")}`,
        );
      }
      uploads = { from, to: uploadsTo, copied: copied.copied, bytes: copied.bytes, missing: copied.missing.length };
    }
    console.log(JSON.stringify({ backup: values.to, from: source, ...summary, uploads }));
    return 0;
  },
};
