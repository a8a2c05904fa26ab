import { constants } from "node:fs";
import { copyFile, mkdir, stat } from "node:fs/promises";
import { dirname } from "node:path";
import { blobPathOf } from "../uploads/directory-blob-store.js";

/** What copying blobs between two directory stores did. */
export interface BlobCopyOutcome {
  /** Blobs copied, and their bytes. */
  copied: number;
  bytes: number;
  /** Keys asked for that the source directory does not hold. */
  missing: string[];
}

/**
 * Copies the blobs `keys` from one directory store to another (the same `<aa>/<sha256>`
 * layout), never overwriting: a blob's bytes never change, so one already there is the same.
 * A copy-on-write clone where the file system offers one.
 */
export async function copyBlobFiles(keys: readonly string[], fromDir: string, toDir: string): Promise<BlobCopyOutcome> {
  const outcome: BlobCopyOutcome = { copied: 0, bytes: 0, missing: [] };
  for (const key of keys) {
    const from = blobPathOf(fromDir, key);
    const to = blobPathOf(toDir, key);
    const size = await stat(from).then(
      (stats) => stats.size,
      () => undefined,
    );
    if (size === undefined) {
      outcome.missing.push(key);
      continue;
    }
    await mkdir(dirname(to), { recursive: true });
    try {
      await copyFile(from, to, constants.COPYFILE_EXCL | constants.COPYFILE_FICLONE);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      continue;
    }
    outcome.copied += 1;
    outcome.bytes += size;
  }
  return outcome;
}

/** The directory beside a database backup that holds its uploads. */
export function uploadsBackupDirOf(backupPath: string): string {
  return `${backupPath}.uploads`;
}
