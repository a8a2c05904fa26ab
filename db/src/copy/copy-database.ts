import { existsSync } from "node:fs";
import SQLite from "better-sqlite3";
import { type Kysely, sql } from "kysely";
import { openDatabase } from "../dialect/open-database.js";
import { migrateToLatest } from "../migrations/migrate.js";
import { migrationNames } from "../migrations/migrations.js";
import type { Database } from "../schema/database.js";
import { TABLES_IN_FOREIGN_KEY_ORDER } from "./copy-order.js";

/** Rows per insert at most; wide tables take fewer, to stay below PostgreSQL's 65,535 parameters. */
const BATCH_ROWS = 1000;
const MAX_PARAMETERS = 60_000;

export interface CopyOptions {
  /** The SQLite file to copy from; it is only read. */
  from: string;
  /** The database to copy into (a PostgreSQL URL, or a SQLite file); migrated first. */
  to: string;
  /** Replace what the target holds instead of refusing a target that is not empty. */
  force?: boolean;
  /** Told after each batch, and once per table when it is done. */
  onProgress?: (progress: CopyProgress) => void;
}

export interface CopyProgress {
  table: string;
  copied: number;
  total: number;
}

/** What a verified copy moved: the rows of each table, and the rooms whose last seq matched. */
export interface CopyReport {
  rows: Record<string, number>;
  rooms: number;
}

/** A reason not to copy at all (the target holds data, the source is missing or behind). */
export class CopyRefused extends Error {
  override readonly name = "CopyRefused";
}

/**
 * The copy, read back inside its own transaction, differs from the source (a table's row
 * count, a room's last seq): nothing was committed, the target holds what it held before.
 */
export class CopyMismatch extends Error {
  override readonly name = "CopyMismatch";

  constructor(
    /** Each difference, in one line: `messages: 12 rows in the source, 11 copied`. */
    readonly mismatches: readonly string[],
  ) {
    super(
      `the copy differs from the source in ${mismatches.length} ${mismatches.length === 1 ? "place" : "places"}; ` +
        "it was rolled back and the target holds what it held before",
    );
  }
}

/**
 * Copies every table of a SQLite database into another database, in foreign-key order and
 * batches, in one transaction on the target (a failed copy leaves it as it was), from one
 * read snapshot of the source (a server may keep running on it; what it writes afterwards is
 * not copied). Before committing, counts the rows of each table and compares each room's last
 * seq on both; any difference rolls the copy back and throws a `CopyMismatch`.
 */
export async function copyDatabase({ from, to, force = false, onProgress }: CopyOptions): Promise<CopyReport> {
  if (!existsSync(from)) throw new CopyRefused(`no SQLite database at ${from}`);
  const source = new SQLite(from, { readonly: true, fileMustExist: true });
  const target = openDatabase(to, { poolSize: 2 });
  try {
    // Deferred: the snapshot is taken at the first read and holds no lock against writers.
    source.exec("begin");
    requireCurrentSchema(source, from);
    await migrateToLatest(target);
    await requireEmptyOrForced(target.db, force);
    const totals = Object.fromEntries(TABLES_IN_FOREIGN_KEY_ORDER.map((table) => [table, countRows(source, table)]));
    const sourceSeqs = lastSeqs(source.prepare("select id, last_seq from rooms").all() as RoomSeq[]);
    await target.db.transaction().execute(async (trx) => {
      for (const table of [...TABLES_IN_FOREIGN_KEY_ORDER].reverse()) await trx.deleteFrom(table).execute();
      for (const table of TABLES_IN_FOREIGN_KEY_ORDER) {
        await copyTable(source, trx, table, totals[table] ?? 0, onProgress);
      }
      const mismatches = await differences(trx, totals, sourceSeqs);
      if (mismatches.length > 0) throw new CopyMismatch(mismatches);
    });
    source.exec("commit");
    return { rows: totals, rooms: sourceSeqs.size };
  } finally {
    source.close();
    await target.close();
  }
}

/** What the target, read back, holds differently from the source: one line per difference. */
async function differences(
  target: Kysely<Database>,
  totals: Record<string, number>,
  sourceSeqs: ReadonlyMap<string, number>,
): Promise<string[]> {
  const mismatches: string[] = [];
  for (const table of TABLES_IN_FOREIGN_KEY_ORDER) {
    const { n } = await target
      .selectFrom(table)
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .executeTakeFirstOrThrow();
    if (Number(n) !== totals[table]) mismatches.push(`${table}: ${totals[table]} rows in the source, ${n} copied`);
  }
  const targetSeqs = lastSeqs(await target.selectFrom("rooms").select(["id", "last_seq"]).execute());
  for (const [roomId, seq] of sourceSeqs) {
    const copied = targetSeqs.get(roomId);
    if (copied !== seq) mismatches.push(`room ${roomId}: last seq ${seq} in the source, ${copied ?? "missing"} copied`);
  }
  return mismatches;
}

interface RoomSeq {
  id: string;
  last_seq: number;
}

function lastSeqs(rows: readonly RoomSeq[]): Map<string, number> {
  return new Map(rows.map((row) => [row.id, Number(row.last_seq)]));
}

function countRows(source: SQLite.Database, table: string): number {
  return (source.prepare(`select count(*) as n from "${table}"`).get() as { n: number }).n;
}

/** The source must be at the schema the target is migrated to, or columns would not line up. */
function requireCurrentSchema(source: SQLite.Database, path: string): void {
  const applied = new Set(
    (source.prepare("select name from kysely_migration").all() as { name: string }[]).map((row) => row.name),
  );
  const missing = migrationNames().filter((name) => !applied.has(name));
  if (missing.length > 0) {
    throw new CopyRefused(`${path} is not migrated (${missing.join(", ")}): run natter migrate --db ${path} first`);
  }
}

async function requireEmptyOrForced(db: Kysely<Database>, force: boolean): Promise<void> {
  if (force) return;
  for (const table of TABLES_IN_FOREIGN_KEY_ORDER) {
    // Counters of the rows they count: a freshly migrated database already holds them, at zero.
    if (table === "stat_counters") continue;
    const row = await db.selectFrom(table).select(sql.lit(1).as("one")).limit(1).executeTakeFirst();
    if (row) throw new CopyRefused(`the target is not empty (${table} has rows); --force replaces what it holds`);
  }
}

async function copyTable(
  source: SQLite.Database,
  trx: Kysely<Database>,
  table: keyof Database,
  total: number,
  onProgress: CopyOptions["onProgress"],
): Promise<void> {
  const statement = source.prepare(`select * from "${table}" order by rowid`);
  const columns = statement.columns().length;
  const batchRows = Math.max(1, Math.min(BATCH_ROWS, Math.floor(MAX_PARAMETERS / columns)));
  let batch: Record<string, unknown>[] = [];
  let copied = 0;
  const flush = async () => {
    if (batch.length === 0) return;
    await trx
      .insertInto(table)
      .values(batch as never)
      .execute();
    copied += batch.length;
    batch = [];
    onProgress?.({ table, copied, total });
  };
  for (const row of statement.iterate() as Iterable<Record<string, unknown>>) {
    batch.push(row);
    if (batch.length === batchRows) await flush();
  }
  await flush();
  if (total === 0) onProgress?.({ table, copied, total });
}
