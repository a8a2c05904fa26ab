import { existsSync } from "node:fs";
import { blobKeysOf, restoreSqliteFile } from "@natter/db";
import { copyBlobFiles, uploadsBackupDirOf } from "../../backup/blob-files.js";
import { type Config, loadConfig } from "../../config/config.js";
import { blobPathOf } from "../../uploads/directory-blob-store.js";
import { openBlobStore, uploadsDirOf } from "../../uploads/open-blob-store.js";
import { type Command, UsageError } from "../support/command.js";
import { progressLine } from "../support/progress-line.js";
import { sqlitePathOf } from "../support/sqlite-path.js";

/** How many missing uploads are named; the rest are counted. */
const MISSING_NAMED = 10;

/** `natter restore --from FILE`: a verified backup, with its uploads, into a location with no database yet. */
export const restoreCommand: Command = {
  name: "restore",
  summary: "restore a backup made by `natter backup` (and its uploads) into an empty location",
  usage: "natter restore --from FILE [--db URL] [--uploads-dir DIR]",
  details: () =>
    [
      "Refuses to overwrite: the target (--db or NATTER_DATABASE_URL) must not exist. Copies the uploads",
      "saved in FILE.uploads/ into the uploads directory, then checks that every upload the database",
      "references is in the store (the directory or the S3 bucket) and names the missing ones. On PostgreSQL use pg_restore.",
    ].join("\n"),
  options: { from: { type: "string" }, db: { type: "string" }, "uploads-dir": { type: "string" } },
  async run({ values }) {
    if (typeof values.from !== "string") throw new UsageError("--from FILE is required");
    const config = loadConfig({
      databaseUrl: values.db as string | undefined,
      uploadsDir: values["uploads-dir"] as string | undefined,
    });
    const target = sqlitePathOf(config.databaseUrl, "restore", "pg_restore");
    const show = progressLine("restore");
    const summary = await restoreSqliteFile(values.from, target, {
      onProgress: ({ copiedPages, totalPages, pageSize }) => show(copiedPages * pageSize, totalPages * pageSize),
    });
    const keys = blobKeysOf(target);
    const saved = uploadsBackupDirOf(values.from);
    const onS3 = config.s3Endpoint !== undefined;
    const copied = !onS3 && existsSync(saved) ? await copyBlobFiles(keys, saved, uploadsDirOf(config)) : undefined;
    const missing = await missingBlobs(keys, config);
    if (missing.length > 0) {
      console.error(
        `natter restore: WARNING: ${missing.length} of the ${keys.length} uploads the database references are not in ${onS3 ? `the S3 bucket ${config.s3Bucket}` : uploadsDirOf(config)}${copied || onS3 ? "" : ` (no ${saved} to copy them from)`}; their images fail to load until they are copied there: ${missing.slice(0, MISSING_NAMED).join(", ")}`,
      );
    }
    const uploads = {
      referenced: keys.length,
      copied: copied?.copied ?? 0,
      missing: missing.length,
      missingKeys: missing.slice(0, MISSING_NAMED),
    };
    console.log(JSON.stringify({ restored: target, from: values.from, ...summary, uploads }));
    return 0;
  },
};

/** The keys of the blobs the configured store does not hold. */
async function missingBlobs(keys: readonly string[], config: Config): Promise<string[]> {
  if (config.s3Endpoint === undefined) {
    // Looked at directly: opening the directory store would clear its uploads in transit.
    const dir = uploadsDirOf(config);
    return keys.filter((key) => !existsSync(blobPathOf(dir, key)));
  }
  const missing: string[] = [];
  const store = await openBlobStore(config);
  try {
    for (const key of keys) if (!(await store.has(key))) missing.push(key);
  } finally {
    await store.close();
  }
  return missing;
}
