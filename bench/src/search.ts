/**
 * bench:search — full-text search over generated messages on SQLite and PostgreSQL.
 *
 * For each engine: generates SEARCH_BENCH_MESSAGES messages (1,000,000 by default; Zipf word
 * frequencies, 5% Chinese) with bulk inserts in big transactions, builds the search index as the
 * migration does on an existing database (timed), then serves them with natter and measures the
 * p50 and p99 of `GET /search/messages` per kind of query (rare word, common word, phrase, prefix,
 * CJK substrings), the kinds interleaved. Then the index's size beside the messages table's, and
 * the cost the index adds to a send: two servers, with and without the index, each in a child
 * process of its own, sent to in alternating blocks, compared by the median of the per-round
 * ratios of the server's CPU per send and of the time per send, and (SQLite) by the WAL pages a
 * send writes, which the machine's load does not move (see `measureSends`).
 *
 * SEARCH_BENCH_SEND_ROUNDS sets the alternating rounds (30), SEARCH_BENCH_SEND_BLOCK the sends
 * per block (100), SEARCH_BENCH_SEND_WARMUP the sends each server gets first (300).
 * The send part alone, SQLite: SEARCH_BENCH_ENGINES=sqlite SEARCH_BENCH_MESSAGES=5000 npm run bench:search
 *
 * SEARCH_BENCH_SEND_GROWN=1 (SQLite): the "with" server's index grew message by message instead,
 * as a database's does that had it from its first message: the messages before are inserted one
 * transaction each with the migrations' index and its triggers in place, and no bulk build follows.
 * FTS5's segments then sit at every level as the sends' merges left them; after a bulk build
 * (`optimizeSqliteWordsIndex`) the fill is one segment that the sends' merges first reach after
 * 64^level sends, so the default measures a freshly built index.
 *
 * SEARCH_BENCH_ENGINES=sqlite,postgres picks engines; SEARCH_BENCH_QUERIES sets queries per kind.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { Agent, get } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  createPostgresSearchIndex,
  createSqliteSearchIndex,
  type DatabaseEngine,
  dropPostgresSearchIndex,
  dropSqliteSearchIndex,
  migrateToLatest,
  openDatabase,
} from "@natter/db";
import SQLite from "better-sqlite3";
import { sql } from "kysely";
import { loadConfig, startNatterServer } from "natter";
import { runInFlight } from "./in-flight.js";
import { postJson } from "./natter-rest.js";
import { commonWord, generateMessages, PLANTED } from "./search-corpus.js";
import { BenchChild, serveChild } from "./server-process.js";
import { fixed, interquartileGeometricMean, median, summarize } from "./stats.js";

const MESSAGES = Number(process.env.SEARCH_BENCH_MESSAGES ?? 1_000_000);
const ENGINES = (process.env.SEARCH_BENCH_ENGINES ?? "sqlite,postgres").split(",") as DatabaseEngine[];
const QUERIES_PER_KIND = Number(process.env.SEARCH_BENCH_QUERIES ?? 50);
const SEND_MESSAGES_BEFORE = Number(process.env.SEARCH_BENCH_SEND_PREFILL ?? 20_000);
/** SQLite: the send measure's index grown message by message (see the header), not built in bulk. */
const SEND_INDEX_GROWN = process.env.SEARCH_BENCH_SEND_GROWN === "1";
const SEND_ROUNDS = Number(process.env.SEARCH_BENCH_SEND_ROUNDS ?? 30);
const SEND_BLOCK = Number(process.env.SEARCH_BENCH_SEND_BLOCK ?? 100);
const SEND_WARMUP = Number(process.env.SEARCH_BENCH_SEND_WARMUP ?? 300);
/** Sends in flight in the concurrent regime, as bench:send's connections. */
const SEND_IN_FLIGHT = 50;
const ROOMS = 50;
const AUTHORS = 200;
const POSTGRES_URL = process.env.NATTER_TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/test";

const agent = new Agent({ keepAlive: true });

/** One GET, answering its status and time in ms. */
function timedGet(url: string): Promise<{ status: number; ms: number }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    get(url, { agent }, (res) => {
      res.resume();
      res.once("end", () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - started }));
      res.once("error", reject);
    }).once("error", reject);
  });
}

/** A fresh database of the engine: a SQLite file, or a PostgreSQL database of its own. */
async function freshDatabase(engine: DatabaseEngine, dir: string, name: string) {
  if (engine === "sqlite") return { url: join(dir, `${name}.db`), drop: async () => {} };
  const admin = openDatabase(POSTGRES_URL);
  const database = `bench_${name}_${process.pid}`;
  await sql`drop database if exists ${sql.id(database)} with (force)`.execute(admin.db);
  await sql`create database ${sql.id(database)}`.execute(admin.db);
  await admin.close();
  const url = new URL(POSTGRES_URL);
  url.pathname = `/${database}`;
  return {
    url: url.toString(),
    drop: async () => {
      const again = openDatabase(POSTGRES_URL);
      await sql`drop database if exists ${sql.id(database)} with (force)`.execute(again.db);
      await again.close();
    },
  };
}

/**
 * Migrates, adds users and open rooms, and loads `count` messages with the search index dropped;
 * with `grown` (SQLite), with the index kept and one transaction a message, as sends write them.
 */
async function load(engine: DatabaseEngine, url: string, count: number, grown = false): Promise<void> {
  const database = openDatabase(url, { poolSize: 2 });
  await migrateToLatest(database);
  const { db } = database;
  if (!grown) await (engine === "postgres" ? dropPostgresSearchIndex(db) : dropSqliteSearchIndex(db));
  const now = new Date().toISOString();
  const users = Array.from({ length: AUTHORS }, (_, i) => `bench-user-${i}`);
  const rooms = Array.from({ length: ROOMS }, (_, i) => `bench-room-${i}`);
  await db
    .insertInto("users")
    .values(users.map((id) => ({ id, username: id, username_key: id, password_hash: "x", created_at: now })))
    .execute();
  await db
    .insertInto("rooms")
    .values(rooms.map((id) => ({ id, name: id, is_open: 1, member_count: 0, last_seq: 0, created_at: now })))
    .execute();
  const seqs = new Array<number>(ROOMS).fill(0);
  const rowOf = (m: ReturnType<typeof generateMessages> extends Generator<infer T> ? T : never) => {
    seqs[m.roomIndex] = (seqs[m.roomIndex] ?? 0) + 1;
    return [m.id, rooms[m.roomIndex], seqs[m.roomIndex], users[m.authorIndex], m.body, m.createdAt] as const;
  };
  const started = performance.now();
  if (engine === "sqlite") {
    await database.close();
    const raw = new SQLite(url);
    raw.pragma("journal_mode = WAL");
    raw.pragma("synchronous = OFF");
    const insert = raw.prepare(
      "insert into messages (id, room_id, seq, author_id, body, created_at) values (?, ?, ?, ?, ?, ?)",
    );
    const batch = raw.transaction((rows: (readonly unknown[])[]) => {
      for (const row of rows) insert.run(...row);
    });
    let rows: (readonly unknown[])[] = [];
    for (const message of generateMessages(count, ROOMS, AUTHORS)) {
      rows.push(rowOf(message));
      if (rows.length === (grown ? 1 : 50_000)) {
        batch(rows);
        rows = [];
      }
    }
    batch(rows);
    const setSeq = raw.prepare("update rooms set last_seq = ? where id = ?");
    for (const [i, id] of rooms.entries()) setSeq.run(seqs[i], id);
    raw.close();
  } else {
    let rows: (readonly unknown[])[] = [];
    const flush = async () => {
      const column = (i: number) => rows.map((row) => row[i]);
      await sql`insert into messages (id, room_id, seq, author_id, body, created_at)
        select * from unnest(${column(0)}::text[], ${column(1)}::text[], ${column(2)}::bigint[],
          ${column(3)}::text[], ${column(4)}::text[], ${column(5)}::text[])`.execute(db);
      rows = [];
    };
    for (const message of generateMessages(count, ROOMS, AUTHORS)) {
      rows.push(rowOf(message));
      if (rows.length === 10_000) await flush();
    }
    await flush();
    for (const [i, id] of rooms.entries()) {
      await db
        .updateTable("rooms")
        .set({ last_seq: seqs[i] ?? 0 })
        .where("id", "=", id)
        .execute();
    }
    await database.close();
  }
  console.log(`  ${engine}: ${count} messages loaded in ${fixed((performance.now() - started) / 1000, 1)} s`);
}

/** Builds the search index over the loaded messages, as migration 0022 does; answers seconds. */
async function buildIndex(engine: DatabaseEngine, url: string): Promise<number> {
  const database = openDatabase(url, { poolSize: 1 });
  const started = performance.now();
  await (engine === "postgres" ? createPostgresSearchIndex(database.db) : createSqliteSearchIndex(database.db));
  if (engine === "postgres") await sql`analyze messages`.execute(database.db);
  const seconds = (performance.now() - started) / 1000;
  await database.close();
  return seconds;
}

/** Index and table sizes in bytes. */
async function sizes(engine: DatabaseEngine, url: string): Promise<{ index: number; table: number }> {
  if (engine === "sqlite") {
    const raw = new SQLite(url, { readonly: true });
    const rows = raw.prepare("select name, sum(pgsize) as bytes from dbstat group by name").all() as {
      name: string;
      bytes: number;
    }[];
    raw.close();
    const sum = (test: (name: string) => boolean) =>
      rows.filter((row) => test(row.name)).reduce((total, row) => total + row.bytes, 0);
    return {
      index: sum((name) => name.startsWith("messages_search")),
      table: sum(
        (name) => name === "messages" || name.startsWith("messages_by") || name === "sqlite_autoindex_messages_1",
      ),
    };
  }
  const database = openDatabase(url, { poolSize: 1 });
  const { rows } = await sql<{ index: string; table: string; column: string }>`select
      pg_relation_size('messages_search_vector') + pg_relation_size('messages_search_cjk') as index,
      pg_total_relation_size('messages') - pg_relation_size('messages_search_vector') - pg_relation_size('messages_search_cjk') as table,
      (select sum(pg_column_size(search_vector)) from messages) as column`.execute(database.db);
  await database.close();
  const row = rows[0] as { index: string; table: string; column: string };
  // The generated column lives in the table's rows: it is index, not message.
  return { index: Number(row.index) + Number(row.column), table: Number(row.table) - Number(row.column) };
}

const KINDS: Record<string, string[]> = {
  "rare word": [...PLANTED.rare],
  "common word": [commonWord()],
  phrase: [`"${PLANTED.phrase.join(" ")}"`],
  prefix: ["dep*", "bri*", "norka*"],
  "common word + rare word": PLANTED.rare.map((rare) => `${commonWord()} ${rare}`),
  "CJK substring (3 chars)": ["数据库", "服务器", "性能决"],
  "CJK substring (2 chars)": ["迁移", "缓存"],
};

/** Times every kind of query, interleaved, through natter's REST API. */
async function measureQueries(url: string): Promise<Record<string, ReturnType<typeof summarize>>> {
  const samples: Record<string, number[]> = Object.fromEntries(Object.keys(KINDS).map((kind) => [kind, []]));
  const run = async (kind: string, i: number, record: boolean) => {
    const queries = KINDS[kind] as string[];
    const q = queries[i % queries.length] as string;
    const { status, ms } = await timedGet(`${url}/api/v1/search/messages?q=${encodeURIComponent(q)}&limit=20`);
    if (status !== 200) throw new Error(`${q}: ${status}`);
    if (record) samples[kind]?.push(ms);
  };
  for (const kind of Object.keys(KINDS)) await run(kind, 0, false);
  for (let i = 0; i < QUERIES_PER_KIND; i++) for (const kind of Object.keys(KINDS)) await run(kind, i, true);
  for (const kind of Object.keys(KINDS)) {
    const sorted = await timedGet(
      `${url}/api/v1/search/messages?q=${encodeURIComponent(KINDS[kind]?.[0] ?? "")}&sort=recent`,
    );
    if (sorted.status !== 200) throw new Error(kind);
  }
  return Object.fromEntries(Object.entries(samples).map(([kind, list]) => [kind, summarize(list)]));
}

async function serve(url: string) {
  return startNatterServer({
    config: loadConfig({ databaseUrl: url, port: 0, host: "127.0.0.1", rateLimits: "off", logLevel: "silent" }, {}),
  });
}

/** What a send server (a child process, role `serve-send`) answers when ready: its URL, a member's token and their room. */
interface Session {
  url: string;
  token: string;
  roomId: string;
}

/** In a child process: serves the database `url` with natter, with a sender and their open room. */
async function serveSends(url: string): Promise<void> {
  const server = await serve(url);
  const { token } = await postJson(server.url, "/users", { username: "sender", password: "bench password" });
  const { room } = await postJson(server.url, "/rooms", { name: "send bench", open: true }, token);
  serveChild({ url: server.url, token, roomId: room.id } satisfies Session, { stop: () => server.close() });
}

/** The median of per-round ratios, and their interquartile geometric mean. */
function ratioSummary(ratios: number[]) {
  return { median: median(ratios), geometric: interquartileGeometricMean(ratios) };
}

/**
 * The cost the index adds to a send: a server with and one without the search index, each in
 * a child process of its own (`serve-send`), so neither's event loop, garbage or CPU is the
 * other's or the client's. In each of `SEND_ROUNDS` rounds a block of `SEND_BLOCK` sends goes to
 * one, then a block to the other, the order turning every round (a block pays for what the one
 * before it left: a WAL to checkpoint, a core still busy); per block, the time per send and the
 * server's own CPU per send (`process.cpuUsage()` of its child around the block). Blocks a
 * second apart see nearly the same load, so what is reported is the median of the per-round
 * ratios with / without (and their interquartile geometric mean), beside each server's median.
 * One send at a time and `SEND_IN_FLIGHT` at a time (group commits: on SQLite a batch's
 * messages are indexed in one statement at its end, one FTS5 segment per batch); and on SQLite
 * the WAL pages per send in both regimes, which the machine's load does not move.
 */
async function measureSends(engine: DatabaseEngine, dir: string) {
  const targets: { name: string; url: string; drop: () => Promise<void> }[] = [];
  for (const name of ["with", "without"]) {
    const database = await freshDatabase(engine, dir, `send_${name}`);
    const grown = SEND_INDEX_GROWN && engine === "sqlite" && name === "with";
    await load(engine, database.url, SEND_MESSAGES_BEFORE, grown);
    if (name === "with" && !grown) await buildIndex(engine, database.url);
    targets.push({ name, ...database });
  }
  const servers = await Promise.all(
    targets.map((target) => BenchChild.start<Session>(import.meta.url, ["serve-send", target.url])),
  );
  const generator = generateMessages(SEND_ROUNDS * SEND_BLOCK * 6 + SEND_WARMUP * 4 + 5000, ROOMS, AUTHORS);
  const sendFrom = (session: Session) => () =>
    postJson(
      session.url,
      `/rooms/${session.roomId}/messages`,
      { body: generator.next().value?.body ?? "x" },
      session.token,
    ).then(() => undefined);
  const senders = servers.map((server) => sendFrom(server.info));
  const timed = async (inFlight: number) => {
    // A long-running server is measured, not one still running its first calls.
    for (const send of senders) await runInFlight(SEND_WARMUP, inFlight, send);
    const ms = [[], []] as number[][];
    const cpu = [[], []] as number[][];
    for (let round = 0; round < SEND_ROUNDS; round++) {
      for (const i of round % 2 === 0 ? [0, 1] : [1, 0]) {
        const server = servers[i] as BenchChild<Session>;
        const cpuBefore = await server.cpuMicros();
        const started = performance.now();
        await runInFlight(SEND_BLOCK, inFlight, senders[i] as () => Promise<void>);
        ms[i]?.push((performance.now() - started) / SEND_BLOCK);
        cpu[i]?.push(((await server.cpuMicros()) - cpuBefore) / 1000 / SEND_BLOCK);
      }
    }
    const perRound = (pair: number[][]) => (pair[0] as number[]).map((value, round) => value / (pair[1]?.[round] ?? 1));
    const [msWith, msWithout] = ms.map(median) as [number, number];
    const [cpuWith, cpuWithout] = cpu.map(median) as [number, number];
    return {
      msWith,
      msWithout,
      msRatio: ratioSummary(perRound(ms)),
      cpuWith,
      cpuWithout,
      cpuRatio: ratioSummary(perRound(cpu)),
    };
  };
  const oneAtATime = await timed(1);
  const concurrent = await timed(SEND_IN_FLIGHT);
  const pages =
    engine === "sqlite"
      ? {
          oneAtATime: await walPagesPerSend(targets, senders, 1),
          concurrent: await walPagesPerSend(targets, senders, SEND_IN_FLIGHT),
        }
      : undefined;
  await Promise.all(servers.map((server) => server.stop()));
  for (const target of targets) await target.drop();
  return { oneAtATime, concurrent, pages };
}

/**
 * Sends per WAL count, one at a time: few enough that the server's automatic checkpoint (at
 * 1,000 pages) never runs between. With more in flight, one count is as many sends as are in flight.
 */
const WAL_SENDS = 25;
const walSends = (inFlight: number) => Math.max(WAL_SENDS, inFlight);
/**
 * WAL counts per server: the index's merges come in bursts (16 sends' segments merged at once,
 * bigger merges more rarely), so one count of 25 sends varied by ±10%.
 */
const WAL_BATCHES = 8;

/**
 * SQLite: the pages one send writes to the WAL, with and without the index, `inFlight` sends at
 * a time: a measure of the index's cost that the machine's load does not move. `WAL_BATCHES`
 * times, the WAL is emptied (a checkpoint from a connection of our own while the server is
 * idle), `walSends(inFlight)` messages are sent, and the frames the WAL then holds are counted.
 */
async function walPagesPerSend(
  targets: { url: string }[],
  senders: (() => Promise<void>)[],
  inFlight: number,
): Promise<number[]> {
  const frames = targets.map(() => 0);
  const raws = targets.map((target) => new SQLite(target.url));
  try {
    // Interleaved, so that both servers are counted under the same load.
    for (let batch = 0; batch < WAL_BATCHES; batch++) {
      for (const [i, raw] of raws.entries()) {
        raw.pragma("wal_checkpoint(TRUNCATE)");
        await runInFlight(walSends(inFlight), inFlight, senders[i] as () => Promise<void>);
        const [state] = raw.pragma("wal_checkpoint(PASSIVE)") as { log: number }[];
        frames[i] = (frames[i] ?? 0) + (state?.log ?? 0);
      }
    }
    return frames.map((count) => count / (walSends(inFlight) * WAL_BATCHES));
  } finally {
    for (const raw of raws) raw.close();
  }
}

async function main() {
  console.log(
    `bench:search — ${MESSAGES} messages, ${QUERIES_PER_KIND} queries per kind, engines ${ENGINES.join(", ")}` +
      ` (started ${new Date().toISOString()}; a shared machine: compare ratios, not absolute times)`,
  );
  const dir = mkdtempSync(join(tmpdir(), "natter-bench-search-"));
  try {
    for (const engine of ENGINES) {
      const database = await freshDatabase(engine, dir, "search");
      await load(engine, database.url, MESSAGES);
      const build = await buildIndex(engine, database.url);
      console.log(`  ${engine}: index built over the existing messages in ${fixed(build, 1)} s`);
      const server = await serve(database.url);
      const results = await measureQueries(server.url);
      await server.close();
      const { index, table } = await sizes(engine, database.url);
      await database.drop();
      console.log(`\n${engine} (${MESSAGES} messages): query latency over HTTP, ms`);
      console.log("  kind                          p50      p99      n");
      for (const [kind, { p50, p99, n }] of Object.entries(results)) {
        console.log(`  ${kind.padEnd(28)} ${fixed(p50).padStart(7)}  ${fixed(p99).padStart(7)}  ${n}`);
      }
      console.log(
        `  index ${fixed(index / 2 ** 20, 1)} MiB, messages table ${fixed(table / 2 ** 20, 1)} MiB: ` +
          `index/table = ${fixed(index / table)}`,
      );
      const sends = await measureSends(engine, dir);
      for (const [regime, inFlight] of [
        ["oneAtATime", 1],
        ["concurrent", SEND_IN_FLIGHT],
      ] as const) {
        const { msWith, msWithout, msRatio, cpuWith, cpuWithout, cpuRatio } = sends[regime];
        console.log(
          `  send, ${inFlight} in flight (${SEND_ROUNDS} alternating rounds of ${SEND_BLOCK} per server, ${SEND_MESSAGES_BEFORE} messages before${SEND_INDEX_GROWN ? ", the index grown by them one at a time" : ""}), ` +
            `with / without the index:\n` +
            `    server CPU per send ${fixed(cpuWith, 3)} vs ${fixed(cpuWithout, 3)} ms: ratio ${fixed(cpuRatio.median, 3)} ` +
            `(interquartile geometric mean ${fixed(cpuRatio.geometric, 3)})\n` +
            `    time per send ${fixed(msWith, 3)} vs ${fixed(msWithout, 3)} ms: ratio ${fixed(msRatio.median, 3)} ` +
            `(interquartile geometric mean ${fixed(msRatio.geometric, 3)})`,
        );
        const pages = sends.pages?.[regime];
        if (pages) {
          const [withPages, withoutPages] = pages as [number, number];
          console.log(
            `  WAL pages per send, ${inFlight} in flight: ${fixed(withPages, 1)} with the index, ${fixed(withoutPages, 1)} without ` +
              `(${walSends(inFlight) * WAL_BATCHES} sends each): ratio ${fixed(withPages / withoutPages)}`,
          );
        }
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(`\nfinished ${new Date().toISOString()}`);
  process.exit(0);
}

if (process.argv[2] === "serve-send") await serveSends(process.argv[3] as string);
else await main();
