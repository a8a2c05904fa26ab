/**
 * bench:search-batch — what SQLite's search index costs a message in a group commit of k
 * messages, with a trigger per message and with the batch's deferral (the live triggers leave
 * the batch's messages to one statement at its end: `deferSqliteSearchIndexing`,
 * `indexDeferredSqliteSearch`), for k = 1, 2, 3, … : where the deferral starts to pay.
 *
 * Each mode has a copy of one database of SEARCH_BATCH_PREFILL generated messages (20,000), so
 * each pays its own merges. A batch is a transaction of k message inserts, each in a savepoint
 * as the room writer runs them (`release` and `savepoint` between them), through Kysely and
 * natter's SQLite connection. The modes alternate within each of SEARCH_BATCH_REPS rounds
 * (9); per round and mode, SEARCH_BATCH_MESSAGES (480) messages in batches of k: the CPU of
 * this process per message (µs) and the WAL pages per message, medians over the rounds.
 *
 * SEARCH_BATCH_SIZES lists the batch sizes (1,2,3,4,6,8,16).
 */
import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type Database,
  deferSqliteSearchIndexing,
  indexDeferredSqliteSearch,
  migrateToLatest,
  openDatabase,
} from "@natter/db";
import SQLite from "better-sqlite3";
import { type Kysely, sql, type Transaction } from "kysely";
import { generateMessages } from "./search-corpus.js";
import { fixed, median } from "./stats.js";

const PREFILL = Number(process.env.SEARCH_BATCH_PREFILL ?? 20_000);
const REPS = Number(process.env.SEARCH_BATCH_REPS ?? 9);
const MESSAGES = Number(process.env.SEARCH_BATCH_MESSAGES ?? 480);
const SIZES = (process.env.SEARCH_BATCH_SIZES ?? "1,2,3,4,6,8,16").split(",").map(Number);
const AT = new Date().toISOString();

/** One mode: whether its batches defer the index, and its database. */
interface Mode {
  name: string;
  defers: boolean;
  db: Kysely<Database>;
  seq: number;
}

const bodies = generateMessages(PREFILL + REPS * MESSAGES * 2 * SIZES.length + 1000, 1, 1);
const nextBody = () => bodies.next().value?.body ?? "x";

/** A database of `PREFILL` messages in one room, indexed as the migrations leave it. */
async function prefill(path: string): Promise<void> {
  const database = openDatabase(path);
  await migrateToLatest(database);
  await sql`insert into users (id, username, username_key, password_hash, created_at)
    values ('u1', 'ann', 'ann', 'x', ${AT})`.execute(database.db);
  await sql`insert into rooms (id, name, is_open, member_count, last_seq, created_at)
    values ('r1', 'general', 1, 1, 0, ${AT})`.execute(database.db);
  await database.close();
  const raw = new SQLite(path);
  const insert = raw.prepare(
    "insert into messages (id, room_id, seq, author_id, body, created_at) values (?, 'r1', ?, 'u1', ?, ?)",
  );
  raw.transaction(() => {
    for (let seq = 1; seq <= PREFILL; seq++) insert.run(`p${seq}`, seq, nextBody(), AT);
  })();
  raw.pragma("wal_checkpoint(TRUNCATE)");
  raw.close();
}

/** One batch of `k` messages in one transaction, each in a savepoint as the room writer runs them. */
async function batch(mode: Mode, k: number): Promise<void> {
  await mode.db.transaction().execute(async (trx: Transaction<Database>) => {
    const from = mode.defers ? await deferSqliteSearchIndexing<Database>(trx) : undefined;
    for (let i = 0; i < k; i++) {
      if (k > 1) {
        if (i > 0) await sql`release savepoint room_change`.execute(trx);
        await sql`savepoint room_change`.execute(trx);
      }
      const seq = ++mode.seq;
      await trx
        .insertInto("messages")
        .values({ id: `m${seq}`, room_id: "r1", seq, author_id: "u1", body: nextBody(), created_at: AT })
        .execute();
    }
    if (from !== undefined) await indexDeferredSqliteSearch<Database>(trx, from);
  });
}

/** The frames in the WAL, after emptying it when `truncate`. */
async function walFrames(db: Kysely<Database>, truncate: boolean): Promise<number> {
  const { rows } = await sql<{
    log: number;
  }>`pragma ${sql.raw(truncate ? "wal_checkpoint(TRUNCATE)" : "wal_checkpoint(PASSIVE)")}`.execute(db);
  return Number(rows[0]?.log ?? 0);
}

async function main() {
  console.log(
    `bench:search-batch — ${PREFILL} messages before, ${REPS} interleaved rounds of ${MESSAGES} messages per mode and batch size` +
      ` (started ${new Date().toISOString()})`,
  );
  const dir = mkdtempSync(join(tmpdir(), "natter-bench-search-batch-"));
  try {
    const base = join(dir, "base.db");
    await prefill(base);
    const modes: Mode[] = [];
    for (const [name, defers] of [
      ["trigger per message", false],
      ["deferred to the batch", true],
    ] as const) {
      const path = join(dir, `${defers}.db`);
      copyFileSync(base, path);
      const { db } = openDatabase(path);
      // Counted from an empty WAL per round: no automatic checkpoint may restart it in between.
      await sql`pragma wal_autocheckpoint = 0`.execute(db);
      modes.push({ name, defers, db, seq: PREFILL });
    }
    console.log(
      "   k   CPU µs/message: trigger  deferred  (deferred − trigger)   WAL pages/message: trigger  deferred",
    );
    for (const k of SIZES) {
      const cpu = modes.map(() => [] as number[]);
      const pages = modes.map(() => [] as number[]);
      for (let rep = -1; rep < REPS; rep++) {
        const order = rep % 2 === 0 ? [0, 1] : [1, 0];
        for (const i of order) {
          const mode = modes[i] as Mode;
          await walFrames(mode.db, true);
          const started = process.cpuUsage();
          for (let sent = 0; sent < MESSAGES; sent += k) await batch(mode, Math.min(k, MESSAGES - sent));
          const { user, system } = process.cpuUsage(started);
          const frames = await walFrames(mode.db, false);
          if (rep < 0) continue;
          cpu[i]?.push((user + system) / MESSAGES);
          pages[i]?.push(frames / MESSAGES);
        }
      }
      const [trigger, deferred] = cpu.map(median) as [number, number];
      const [triggerPages, deferredPages] = pages.map(median) as [number, number];
      console.log(
        `  ${String(k).padStart(2)}   ${fixed(trigger, 1).padStart(28)}  ${fixed(deferred, 1).padStart(8)}  ${fixed(deferred - trigger, 1).padStart(20)}` +
          `   ${fixed(triggerPages).padStart(25)}  ${fixed(deferredPages).padStart(8)}`,
      );
    }
    for (const mode of modes) await mode.db.destroy();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
