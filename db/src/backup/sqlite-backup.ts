import { existsSync, mkdirSync, renameSync, rmSync } from "node:fs";
import { dirname, resolve } from "node:path";
import SQLite from "better-sqlite3";

/** What a verified copy holds: enough for an operator to see it is the database they meant. */
export interface BackupSummary {
  /** Bytes of the copy. */
  bytes: number;
  /** The newest migration applied to it. */
  migration: string | undefined;
  /** Rows of the main tables, for a quick sanity check against the source. */
  rows: Record<string, number>;
}

const COUNTED_TABLES = ["users", "rooms", "messages"] as const;

/** How far a backup has come: pages of the source's snapshot copied so far. */
export interface BackupProgress {
  copiedPages: number;
  totalPages: number;
  /** Bytes per page, to show the progress in bytes. */
  pageSize: number;
}

export interface BackupOptions {
  /** Told after each step of the copy. */
  onProgress?: (progress: BackupProgress) => void;
  /** Gives up after this long, leaving nothing behind. */
  timeoutMs?: number;
}

/**
 * Pages copied per step (32 MiB at SQLite's default 4 KiB pages): few steps, each short
 * enough to check the timeout and show progress between them.
 */
const STEP_PAGES = 8192;

/**
 * Copies a live SQLite database with SQLite's online backup API, inside one read transaction
 * held on the source for the whole copy: every step reads the same snapshot, which a server's
 * writes (in WAL mode) never disturb. Without that transaction the API restarts whenever
 * another connection writes between two steps, and under steady writes may never finish. The
 * copy is written beside the target and renamed into place only once verified, so a failed or
 * timed-out backup leaves nothing behind.
 */
export async function backupSqliteFile(
  sourcePath: string,
  targetPath: string,
  { onProgress, timeoutMs }: BackupOptions = {},
): Promise<BackupSummary> {
  if (!existsSync(sourcePath)) throw new Error(`no SQLite database at ${sourcePath}`);
  if (existsSync(targetPath)) throw new Error(`${targetPath} exists already; choose a new file`);
  mkdirSync(dirname(resolve(targetPath)), { recursive: true });
  const partial = `${targetPath}.partial`;
  rmSync(partial, { force: true });
  const source = new SQLite(sourcePath, { readonly: true, fileMustExist: true });
  const started = performance.now();
  try {
    source.pragma("busy_timeout = 5000");
    const pageSize = source.pragma("page_size", { simple: true }) as number;
    source.exec("begin");
    // A read transaction takes its snapshot at its first read.
    source.prepare("select count(*) from sqlite_master").get();
    const { totalPages } = await source.backup(partial, {
      progress: ({ totalPages, remainingPages }) => {
        onProgress?.({ copiedPages: totalPages - remainingPages, totalPages, pageSize });
        if (timeoutMs !== undefined && performance.now() - started > timeoutMs) {
          throw new Error(`the backup took longer than ${timeoutMs} ms; nothing was written`);
        }
        return STEP_PAGES;
      },
    });
    // The API's own callback is not told of the last step.
    onProgress?.({ copiedPages: totalPages, totalPages, pageSize });
    source.exec("commit");
  } catch (error) {
    rmSync(partial, { force: true });
    throw error;
  } finally {
    source.close();
  }
  try {
    // A backup is one self-contained file: no -wal beside it to lose on the way to storage.
    const copy = new SQLite(partial);
    copy.pragma("journal_mode = DELETE");
    copy.close();
    const summary = verifySqliteFile(partial);
    renameSync(partial, targetPath);
    return summary;
  } catch (error) {
    rmSync(partial, { force: true });
    throw error;
  }
}

/** The key (SHA-256) of every blob a natter SQLite file records: the uploads it needs beside it. */
export function blobKeysOf(path: string): string[] {
  const db = new SQLite(path, { readonly: true, fileMustExist: true });
  try {
    return (db.prepare("select sha256 from blobs where ref_count > 0").pluck().all() as string[]).sort();
  } finally {
    db.close();
  }
}

/**
 * Restores a backup into a location that holds no database yet: verifies the backup, then
 * copies it (through the same backup API, so the result is a clean single-file database).
 */
export async function restoreSqliteFile(
  backupPath: string,
  targetPath: string,
  options: BackupOptions = {},
): Promise<BackupSummary> {
  if (!existsSync(backupPath)) throw new Error(`no backup at ${backupPath}`);
  for (const suffix of ["", "-wal", "-shm"]) {
    if (existsSync(`${targetPath}${suffix}`)) {
      throw new Error(`${targetPath}${suffix} exists already; restore only into an empty location`);
    }
  }
  verifySqliteFile(backupPath);
  return backupSqliteFile(backupPath, targetPath, options);
}

/** Opens a copy read-only, checks its integrity and that natter's schema is in it. */
export function verifySqliteFile(path: string): BackupSummary {
  const copy = new SQLite(path, { readonly: true, fileMustExist: true });
  try {
    const integrity = copy.pragma("integrity_check", { simple: true });
    if (integrity !== "ok") throw new Error(`${path} fails SQLite's integrity check: ${String(integrity)}`);
    const hasMigrations = copy
      .prepare("select 1 from sqlite_master where type = 'table' and name = 'kysely_migration'")
      .get();
    if (!hasMigrations) throw new Error(`${path} is not a natter database (no migrations table)`);
    const newest = copy.prepare("select name from kysely_migration order by name desc limit 1").get() as
      | { name: string }
      | undefined;
    const rows: Record<string, number> = {};
    for (const table of COUNTED_TABLES) {
      const counted = copy.prepare(`select count(*) as n from ${table}`).get() as { n: number };
      rows[table] = counted.n;
    }
    const pages = copy.pragma("page_count", { simple: true }) as number;
    const pageSize = copy.pragma("page_size", { simple: true }) as number;
    return { bytes: pages * pageSize, migration: newest?.name, rows };
  } finally {
    copy.close();
  }
}
