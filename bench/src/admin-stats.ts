/**
 * What `GET /api/v1/admin/stats` costs at a million messages, against counting them the
 * naive way. A SQLite file is filled with 1M messages (direct batched inserts, with the
 * statistics counters bumped per batch as the send path bumps them per message), natter is
 * started on it, and stats calls over real HTTP are interleaved with the full-scan queries
 * that would give the same figures without counters (on a second connection to the file).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import {
  bumpCounters,
  hourOf,
  messageShardOf,
  messagesCounter,
  messagesInHourCounter,
  migrateToLatest,
  openDatabase,
  STAT_COUNTERS,
  uuidV7,
} from "@natter/db";
import { sql } from "kysely";
import { loadConfig, setServerAdmin, startNatterServer } from "natter";
import { fixed, summarize } from "./stats.js";

const MESSAGES = Number(process.env.MESSAGES ?? 1_000_000);
const ROOMS = 200;
const BATCH = 1000;
const REPETITIONS = Number(process.env.REPETITIONS ?? 30);
const HOUR = 3_600_000;

const dir = mkdtempSync(join(tmpdir(), "natter-bench-admin-"));
const file = join(dir, "natter.db");

/** Users, rooms and `MESSAGES` messages spread over the last 48 hours, counters in step. */
async function fill(): Promise<void> {
  const database = openDatabase(file, { poolSize: 1 });
  const { db } = database;
  await migrateToLatest(database);
  const now = Date.now();
  const stamp = toIso(now);
  const authorId = uuidV7(now);
  await db
    .insertInto("users")
    .values({ id: authorId, username: "author", username_key: "author", password_hash: "x", created_at: stamp })
    .execute();
  const roomIds = Array.from({ length: ROOMS }, () => uuidV7(now));
  await db
    .insertInto("rooms")
    .values(
      roomIds.map((id, i) => ({ id, name: `room ${i}`, is_open: 1, member_count: 1, last_seq: 0, created_at: stamp })),
    )
    .execute();
  await bumpCounters(db, { [STAT_COUNTERS.users]: 1, [STAT_COUNTERS.openRooms]: ROOMS });
  const started = performance.now();
  for (let offset = 0; offset < MESSAGES; offset += BATCH) {
    const counters: Record<string, number> = {};
    const rows = Array.from({ length: Math.min(BATCH, MESSAGES - offset) }, (_, i) => {
      const n = offset + i;
      const roomId = roomIds[n % ROOMS] as string;
      const createdAt = toIso(now - 48 * HOUR + Math.floor((n / MESSAGES) * 48 * HOUR));
      const shard = messageShardOf(roomId);
      for (const name of [messagesCounter(shard), messagesInHourCounter(hourOf(createdAt), shard)]) {
        counters[name] = (counters[name] ?? 0) + 1;
      }
      return {
        id: uuidV7(now),
        room_id: roomId,
        seq: Math.floor(n / ROOMS) + 1,
        author_id: authorId,
        body: `message ${n}`,
        created_at: createdAt,
      };
    });
    await db.transaction().execute(async (trx) => {
      await trx.insertInto("messages").values(rows).execute();
      await bumpCounters(trx, counters);
    });
  }
  console.log(`filled ${MESSAGES} messages in ${fixed((performance.now() - started) / 1000, 1)} s`);
  await database.close();
}

function toIso(ms: number): string {
  return new Date(ms).toISOString();
}

try {
  await fill();
  const config = loadConfig({ port: 0, databaseUrl: file, logLevel: "silent", rateLimits: "off" }, {});
  const server = await startNatterServer({ config });
  const scans = openDatabase(file, { poolSize: 1 });
  try {
    const signUp = await fetch(`${server.url}/api/v1/users`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username: "bench-admin", password: "correct horse battery" }),
    });
    const { token } = (await signUp.json()) as { token: string };
    await setServerAdmin(scans.db, "bench-admin", true, Date.now());

    const statsCall = async () => {
      const res = await fetch(`${server.url}/api/v1/admin/stats`, { headers: { authorization: `Bearer ${token}` } });
      const body = (await res.json()) as { messages: { total: number } };
      if (res.status !== 200 || body.messages.total !== MESSAGES) throw new Error(`stats answered ${res.status}`);
    };
    // What the same figures cost without counters: every table counted, messages grouped by hour.
    const since = toIso(Date.now() - 24 * HOUR);
    const naive = async () => {
      await sql`select count(*) from messages where deleted_at is null`.execute(scans.db);
      await sql`select substr(created_at, 1, 13) as hour, count(*) from messages
        where created_at >= ${since} group by hour`.execute(scans.db);
      await sql`select is_open, count(*) from rooms group by is_open`.execute(scans.db);
      await sql`select count(*) from users`.execute(scans.db);
    };
    const timed = async (work: () => Promise<void>) => {
      const started = performance.now();
      await work();
      return performance.now() - started;
    };
    await statsCall();
    await naive();
    const samples = { stats: [] as number[], naive: [] as number[] };
    for (let i = 0; i < REPETITIONS; i += 1) {
      samples.stats.push(await timed(statsCall));
      samples.naive.push(await timed(naive));
    }
    const s = summarize(samples.stats);
    const n = summarize(samples.naive);
    console.log(`admin stats at ${MESSAGES} messages, ${REPETITIONS} interleaved repetitions (ms)`);
    console.log(`  GET /admin/stats over HTTP (counters)  p50 ${fixed(s.p50)}  p99 ${fixed(s.p99)}`);
    console.log(`  naive full-scan counts (SQL only)      p50 ${fixed(n.p50)}  p99 ${fixed(n.p99)}`);
    console.log(`  ratio naive / stats at p50: ${fixed(n.p50 / s.p50, 1)}x`);
    console.log(
      `  load average ${loadavg()
        .map((l) => fixed(l, 2))
        .join(" ")}`,
    );
  } finally {
    await scans.close();
    await server.close();
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
