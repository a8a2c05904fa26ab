/**
 * bench:search — full-text search over generated messages on SQLite and PostgreSQL.
 *
 * For each engine: generates SEARCH_BENCH_MESSAGES messages (1,000,000 by default; Zipf word
 * frequencies, 5% Chinese) with bulk inserts in big transactions, builds the search index as the
 * migration does on an existing database (timed), then serves them with natter and measures the
 * p50 and p99 of `GET /search/messages` per kind of query (rare word, common word, phrase, prefix,
 * CJK substrings), the kinds interleaved. Then the index's size beside the messages table's, and
 * the cost the index adds to a send: two servers, with and without the index, sending in
 * interleaved rounds, compared by the median time and CPU per send, and (SQLite) by the WAL
 * pages a send writes, which the machine's load does not move.
 *
 * SEARCH_BENCH_SEND_ROUNDS sets the send rounds (5).
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
import { postJson } from "./natter-rest.js";
import { commonWord, generateMessages, PLANTED } from "./search-corpus.js";
import { fixed, median, summarize } from "./stats.js";

const MESSAGES = Number(process.env.SEARCH_BENCH_MESSAGES ?? 1_000_000);
const ENGINES = (process.env.SEARCH_BENCH_ENGINES ?? "sqlite,postgres").split(",") as DatabaseEngine[];
const QUERIES_PER_KIND = Number(process.env.SEARCH_BENCH_QUERIES ?? 50);
const SEND_MESSAGES_BEFORE = Number(process.env.SEARCH_BENCH_SEND_PREFILL ?? 20_000);
const SEND_ROUNDS = Number(process.env.SEARCH_BENCH_SEND_ROUNDS ?? 5);
const SENDS_PER_ROUND = 200;
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

/** Migrates, adds users and open rooms, and loads `count` messages with the search index dropped. */
async function load(engine: DatabaseEngine, url: string, count: number): Promise<void> {
  const database = openDatabase(url, { poolSize: 2 });
  await migrateToLatest(database);
  const { db } = database;
  await (engine === "postgres" ? dropPostgresSearchIndex(db) : dropSqliteSearchIndex(db));
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
      if (rows.length === 50_000) {
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

/** A sender's session on one of the two servers. */
interface Session {
  url: string;
  token: string;
  roomId: string;
}

/**
 * Median ms per send on a server with and one without the search index, in interleaved rounds,
 * one send at a time and `SEND_IN_FLIGHT` at a time (group commits: the sends of a transaction
 * share its commit's pages, and on SQLite its messages are indexed in one statement at its end,
 * one FTS5 segment per batch); beside it the CPU per send of this process
 * (client and servers alike, so the ratio understates the servers'), which the machine's load
 * moves less than the time; and on SQLite the WAL pages per send in both regimes.
 */
async function measureSends(engine: DatabaseEngine, dir: string) {
  const targets: { name: string; url: string; drop: () => Promise<void> }[] = [];
  for (const name of ["with", "without"]) {
    const database = await freshDatabase(engine, dir, `send_${name}`);
    await load(engine, database.url, SEND_MESSAGES_BEFORE);
    if (name === "with") await buildIndex(engine, database.url);
    targets.push({ name, ...database });
  }
  const servers = await Promise.all(targets.map((target) => serve(target.url)));
  const sessions = await Promise.all(
    servers.map(async (server) => {
      const { token } = await postJson(server.url, "/users", {
        username: `sender${Date.now()}`,
        password: "bench password",
      });
      const { room } = await postJson(server.url, "/rooms", { name: "send bench", open: true }, token);
      return { url: server.url, token, roomId: room.id as string } satisfies Session;
    }),
  );
  const generator = generateMessages(SEND_ROUNDS * SENDS_PER_ROUND * 4 + 5000, ROOMS, AUTHORS);
  const sendFrom = (session: Session) => () =>
    postJson(
      session.url,
      `/rooms/${session.roomId}/messages`,
      { body: generator.next().value?.body ?? "x" },
      session.token,
    );
  const timed = async (inFlight: number) => {
    const perSend: number[][] = [[], []];
    const cpuPerSend: number[][] = [[], []];
    // Round -1 warms both up.
    for (let round = -1; round < SEND_ROUNDS; round++) {
      // Which server goes first alternates: a round pays for what the one before it left
      // (garbage to collect, a WAL to checkpoint), which in a fixed order biased the ratio.
      const order = round % 2 === 0 ? [0, 1] : [1, 0];
      for (const i of order) {
        const session = sessions[i] as Session;
        const started = performance.now();
        const cpu = process.cpuUsage();
        await sendConcurrently(sendFrom(session), SENDS_PER_ROUND, inFlight);
        const { user, system } = process.cpuUsage(cpu);
        if (round >= 0) {
          perSend[i]?.push((performance.now() - started) / SENDS_PER_ROUND);
          cpuPerSend[i]?.push((user + system) / 1000 / SENDS_PER_ROUND);
        }
      }
    }
    const [withIndex, withoutIndex] = perSend.map(median) as [number, number];
    const [cpuWith, cpuWithout] = cpuPerSend.map(median) as [number, number];
    return { withIndex, withoutIndex, ratio: withIndex / withoutIndex, cpuWith, cpuWithout };
  };
  const oneAtATime = await timed(1);
  const concurrent = await timed(SEND_IN_FLIGHT);
  const pages =
    engine === "sqlite"
      ? {
          oneAtATime: await walPagesPerSend(targets, sessions.map(sendFrom), 1),
          concurrent: await walPagesPerSend(targets, sessions.map(sendFrom), SEND_IN_FLIGHT),
        }
      : undefined;
  await Promise.all(servers.map((server) => server.close()));
  for (const target of targets) await target.drop();
  return { oneAtATime, concurrent, pages };
}

/** Sends `count` messages with `send`, `inFlight` at a time. */
async function sendConcurrently(send: () => Promise<unknown>, count: number, inFlight: number): Promise<void> {
  let started = 0;
  const lane = async () => {
    while (started < count) {
      started++;
      await send();
    }
  };
  await Promise.all(Array.from({ length: Math.min(inFlight, count) }, lane));
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
  senders: (() => Promise<unknown>)[],
  inFlight: number,
): Promise<number[]> {
  const frames = targets.map(() => 0);
  const raws = targets.map((target) => new SQLite(target.url));
  try {
    // Interleaved, so that both servers are counted under the same load.
    for (let batch = 0; batch < WAL_BATCHES; batch++) {
      for (const [i, raw] of raws.entries()) {
        raw.pragma("wal_checkpoint(TRUNCATE)");
        await sendConcurrently(senders[i] as () => Promise<unknown>, walSends(inFlight), inFlight);
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
        const { withIndex, withoutIndex, ratio, cpuWith, cpuWithout } = sends[regime];
        console.log(
          `  send, ${inFlight} in flight: ${fixed(withIndex)} ms with the index, ${fixed(withoutIndex)} ms without ` +
            `(median of ${SEND_ROUNDS} interleaved rounds of ${SENDS_PER_ROUND}, ${SEND_MESSAGES_BEFORE} messages before): ` +
            `ratio ${fixed(ratio)}; CPU per send (bench process: client and both servers) ${fixed(cpuWith)} vs ${fixed(cpuWithout)} ms: ratio ${fixed(cpuWith / cpuWithout)}`,
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

await main();
