/**
 * The send path: posting a message through natter's REST API, through tRPC over HTTP (the
 * same procedure), and through a bare `node:http` + better-sqlite3 server that does the
 * same work by hand on the same schema: look the bearer token's session up, check the
 * room and membership, and in one transaction take the room's next seq, insert the event
 * and the message and bump the two message counters the statistics read (natter's writes of
 * a send, the same rows and pages). Beside it the same bare server with group commit
 * (requests that arrive while a transaction runs share the next `BEGIN IMMEDIATE … COMMIT`,
 * each answered after that commit), and on PostgreSQL natter against a bare `node:http` + `pg`
 * server doing the same reads and writes, one transaction per request. Also a read: REST
 * `GET /me` vs tRPC `users.me`.
 *
 * Each server runs alone in its own process; the load (CONNECTIONS concurrent keep-alive
 * connections) comes from this one. Runs are interleaved and the table shows medians of
 * requests per second, p99 latency and the server's CPU time per request (from its
 * `process.cpuUsage()` over the measured window, which other load on a shared machine
 * disturbs far less than it does throughput), on PostgreSQL also its backends' CPU time per
 * request (from /proc, the backends serving the run's database), and the ratios the issue asks for.
 *
 *   npm run bench:send
 *   SEND_REQUESTS=4000 SEND_WARMUP=3000 SEND_CONNECTIONS=50 SEND_REPS=3 npm run bench:send
 *   SEND_CALLS="REST send" SEND_SERVER_NODE_FLAGS="--cpu-prof --cpu-prof-dir=/tmp/profiles" npm run bench:send
 *   SEND_CALLS="pg REST send,pg bare send" npm run bench:send    (PostgreSQL at SEND_POSTGRES_URL)
 *   SEND_BEFORE=/tmp/natter-before npm run bench:send
 *   SEND_CALLS=none npm run bench:send    (the statement counts alone)
 *
 * First it counts the SQL statements a send runs (a measure the machine's load does not move):
 * natter in this process, 50 sends one after another in a room of one, without and with a
 * `clientMessageId`, the queries counted by natter's own `natter_db_query_duration_seconds`
 * (Kysely's queries, savepoints included) plus each transaction's `BEGIN` and `COMMIT`; on
 * SQLite, and on PostgreSQL when a `pg` call is measured; for the SEND_BEFORE checkout too.
 *
 * SEND_BEFORE names a built checkout of another commit: its natter is measured too ("before
 * REST send", "before pg REST send"), interleaved with this one, for a before/after in one run.
 */
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { Agent, createServer, request } from "node:http";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { openDatabase } from "@natter/db";
import SQLite from "better-sqlite3";
import { loadConfig, startNatterServer } from "natter";
import pg from "pg";
import { bareSendStatements, messageCountersOf } from "./bare-writes.js";
import { runInFlight } from "./in-flight.js";
import { postJson } from "./natter-rest.js";
import { backendsOf, cpuSpent, processCpuMicros } from "./process-cpu.js";
import { scratchPostgres } from "./scratch-postgres.js";
import { BenchChild, serveChild } from "./server-process.js";
import { fixed, median, percentile } from "./stats.js";

const REQUESTS = Number(process.env.SEND_REQUESTS ?? 3000);
const CONNECTIONS = Number(process.env.SEND_CONNECTIONS ?? 50);
const REPS = Number(process.env.SEND_REPS ?? 3);
const WARMUP = Number(process.env.SEND_WARMUP ?? 3000);
const BODY = "the quick brown fox jumps over the lazy dog while the team ships the next release";
const MODULE = import.meta.url;
/** A server of the PostgreSQL runs gets a database of its own, made and dropped through this one. */
const POSTGRES_URL = process.env.SEND_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

interface Target {
  url: string;
  token: string;
  roomId: string;
}

/** Starts natter on `file` and signs up a user with a room. */
async function natterWithRoom(file: string) {
  const server = await startNatterServer({
    config: loadConfig({ port: 0, databaseUrl: file, logLevel: "silent", rateLimits: "off" }, {}),
  });
  const { token } = await postJson(server.url, "/users", { username: "sender", password: "bench password" });
  const { room } = await postJson(server.url, "/rooms", { name: "send", open: false }, token);
  return { server, target: { url: server.url, token, roomId: room.id } };
}

async function serveNatter(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "natter-send-"));
  const { server, target } = await natterWithRoom(process.env.SEND_DATABASE_URL ?? join(dir, "bench.db"));
  serveChild(target, {
    stop: async () => {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  });
}

/** The event and message a bare server stores for a send, as natter builds them. */
function bareMessage(roomId: string, userId: string, body: string, seq: number) {
  const at = new Date().toISOString();
  const message = {
    id: crypto.randomUUID(),
    roomId,
    seq,
    authorId: userId,
    body,
    replyToId: null,
    createdAt: at,
    editedAt: null,
    deletedAt: null,
  };
  const event = { type: "message.created", actorId: userId, message, roomId, seq, at };
  return { message, event, at, counters: messageCountersOf(roomId, at) };
}

type Answer = (status: number, body: unknown) => void;

/**
 * A bare HTTP server answering `POST /api/v1/rooms/:roomId/messages` with `send`, given the
 * bearer token's SHA-256, the room and the parsed body; anything else is 404.
 */
async function serveBareHttp(
  send: (tokenHash: string | undefined, roomId: string, input: { body?: unknown }, answer: Answer) => void,
) {
  const http = createServer((req, res) => {
    const answer: Answer = (status, body) => {
      const text = JSON.stringify(body);
      res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
      res.end(text);
    };
    const match = /^\/api\/v1\/rooms\/([^/]+)\/messages$/.exec(req.url ?? "");
    if (req.method !== "POST" || !match) return answer(404, { error: { code: "NOT_FOUND" } });
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const token = /^Bearer (\S+)$/.exec(req.headers.authorization ?? "")?.[1];
      const tokenHash = token ? createHash("sha256").update(token).digest("hex") : undefined;
      const input = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { body?: unknown };
      send(tokenHash, match[1] as string, input, answer);
    });
  });
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  const { port } = http.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      http.closeAllConnections();
      await new Promise((resolve) => http.close(resolve));
    },
  };
}

/**
 * The bare server: natter's schema and data (made by natter), natter's writes by hand. With
 * `groupCommit`, the sends that arrive while one batch runs make the next batch, one
 * `BEGIN IMMEDIATE … COMMIT` for all (each in a savepoint), each answered after it.
 */
async function serveBare(groupCommit: boolean): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "natter-send-bare-"));
  const file = join(dir, "bench.db");
  const setup = await natterWithRoom(file);
  await setup.server.close();
  const db = new SQLite(file);
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
  db.pragma("foreign_keys = ON");
  const session = db.prepare(
    "select s.user_id as userId from sessions s join users u on u.id = s.user_id where s.token_hash = ?",
  );
  const access = db.prepare(
    "select r.id, m.role from rooms r left join room_members m on m.room_id = r.id and m.user_id = ? where r.id = ?",
  );
  const { nextSeq, insertEvent, insertMessage, bumpCounters } = bareSendStatements(db);
  const store = (roomId: string, userId: string, body: string) => {
    const { last_seq: seq } = nextSeq.get(roomId) as { last_seq: number };
    const { message, event, at, counters } = bareMessage(roomId, userId, body, seq);
    insertEvent.run(roomId, seq, event.type, userId, JSON.stringify(event), at, message.id);
    insertMessage.run(message.id, roomId, seq, userId, body, at);
    bumpCounters.run(...counters);
    return message;
  };
  const one = db.transaction(store);
  type Pending = { roomId: string; userId: string; body: string; answer: Answer };
  let batch: Pending[] = [];
  // Each send in a savepoint: one that fails is undone alone (better-sqlite3 nests transactions as savepoints).
  const nested = db.transaction(store);
  const many = db.transaction((sends: Pending[]) =>
    sends.map((p) => {
      try {
        return { p, message: nested(p.roomId, p.userId, p.body) };
      } catch (error) {
        return { p, error };
      }
    }),
  );
  const flush = () => {
    const sends = batch;
    batch = [];
    for (const { p, message } of many(sends)) {
      if (message) p.answer(201, { message });
      else p.answer(500, { error: { code: "INTERNAL" } });
    }
  };
  const http = await serveBareHttp((tokenHash, roomId, input, answer) => {
    const user = tokenHash ? (session.get(tokenHash) as { userId: string } | undefined) : undefined;
    if (!user) return answer(401, { error: { code: "UNAUTHENTICATED" } });
    if (typeof input.body !== "string" || input.body.length === 0) {
      return answer(400, { error: { code: "VALIDATION_FAILED" } });
    }
    const room = access.get(user.userId, roomId) as { role: string | null } | undefined;
    if (!room?.role) return answer(404, { error: { code: "ROOM_NOT_FOUND" } });
    if (!groupCommit) return answer(201, { message: one(roomId, user.userId, input.body) });
    // Everything that arrives before the event loop next turns joins this batch.
    if (batch.length === 0) setImmediate(flush);
    batch.push({ roomId, userId: user.userId, body: input.body, answer });
  });
  serveChild(
    { ...setup.target, url: http.url },
    {
      stop: async () => {
        await http.close();
        db.close();
        rmSync(dir, { recursive: true, force: true });
      },
    },
  );
}

/**
 * The bare PostgreSQL server: natter's schema and data (made by natter) in a database of its
 * own, natter's reads and writes of a send by hand over a `pg` pool of natter's size, one
 * transaction per request (the room's row update locks it until the commit, as natter's lock does).
 */
async function serveBarePostgres(): Promise<void> {
  const url = process.env.SEND_DATABASE_URL as string;
  const setup = await natterWithRoom(url);
  await setup.server.close();
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  pool.on("error", () => {});
  const sendInTransaction = async (tokenHash: string | undefined, roomId: string, body: string) => {
    const client = await pool.connect();
    try {
      const user = (
        await client.query<{ userId: string }>({
          name: "session",
          text: 'select s.user_id as "userId" from sessions s join users u on u.id = s.user_id where s.token_hash = $1',
          values: [tokenHash],
        })
      ).rows[0];
      if (!user) return { status: 401, body: { error: { code: "UNAUTHENTICATED" } } };
      const room = (
        await client.query<{ role: string | null }>({
          name: "access",
          text: "select r.id, m.role from rooms r left join room_members m on m.room_id = r.id and m.user_id = $1 where r.id = $2",
          values: [user.userId, roomId],
        })
      ).rows[0];
      if (!room?.role) return { status: 404, body: { error: { code: "ROOM_NOT_FOUND" } } };
      await client.query("begin");
      try {
        const { last_seq: seq } = (
          await client.query<{ last_seq: string }>({
            name: "seq",
            text: "update rooms set last_seq = last_seq + 1 where id = $1 returning last_seq",
            values: [roomId],
          })
        ).rows[0] as { last_seq: string };
        const { message, event, at, counters } = bareMessage(roomId, user.userId, body, Number(seq));
        await client.query({
          name: "event",
          text: "insert into room_events (room_id, seq, type, actor_id, payload, created_at, message_id) values ($1, $2, $3, $4, $5, $6, $7)",
          values: [roomId, seq, event.type, user.userId, JSON.stringify(event), at, message.id],
        });
        await client.query({
          name: "message",
          text: "insert into messages (id, room_id, seq, author_id, body, reply_to_id, client_message_id, created_at) values ($1, $2, $3, $4, $5, null, null, $6)",
          values: [message.id, roomId, seq, user.userId, body, at],
        });
        await client.query({
          name: "counters",
          text: "insert into stat_counters (name, value) values ($1, 1), ($2, 1) on conflict (name) do update set value = stat_counters.value + excluded.value",
          values: counters,
        });
        await client.query("commit");
        return { status: 201, body: { message } };
      } catch (error) {
        await client.query("rollback");
        throw error;
      }
    } finally {
      client.release();
    }
  };
  const http = await serveBareHttp((tokenHash, roomId, input, answer) => {
    if (typeof input.body !== "string" || input.body.length === 0) {
      return answer(400, { error: { code: "VALIDATION_FAILED" } });
    }
    sendInTransaction(tokenHash, roomId, input.body).then(
      (result) => answer(result.status, result.body),
      () => answer(500, { error: { code: "INTERNAL" } }),
    );
  });
  serveChild(
    { ...setup.target, url: http.url },
    {
      stop: async () => {
        await http.close();
        await pool.end();
      },
    },
  );
}

// ---------------------------------------------------------------------------------------

/** The calls measured; `pg …` ones run on PostgreSQL, the others on SQLite. */
const ALL_CALLS = [
  "REST send",
  "tRPC send",
  "bare send",
  "bare group send",
  "pg REST send",
  "pg bare send",
  "REST GET /me",
  "tRPC users.me",
  "before REST send",
  "before pg REST send",
] as const;
type Call = (typeof ALL_CALLS)[number];

/** The child's role that serves `call`. */
const ROLE_OF: Record<Call, string> = {
  "REST send": "serve-natter",
  "tRPC send": "serve-natter",
  "bare send": "serve-bare",
  "bare group send": "serve-bare-group",
  "pg REST send": "serve-natter",
  "pg bare send": "serve-bare-pg",
  "REST GET /me": "serve-natter",
  "tRPC users.me": "serve-natter",
  "before REST send": "serve-natter",
  "before pg REST send": "serve-natter",
};

/** The checkout whose natter the `before` calls measure. */
const BEFORE = process.env.SEND_BEFORE;

/** One HTTP request of `call`, as method, path and body. */
function requestOf(call: Call, target: Target): { method: string; path: string; body?: string } {
  const send = JSON.stringify({ body: BODY });
  switch (call) {
    case "REST send":
    case "bare send":
    case "bare group send":
    case "pg REST send":
    case "pg bare send":
    case "before REST send":
    case "before pg REST send":
      return { method: "POST", path: `/api/v1/rooms/${target.roomId}/messages`, body: send };
    case "tRPC send":
      return {
        method: "POST",
        path: "/trpc/messages.send",
        body: JSON.stringify({ roomId: target.roomId, body: BODY }),
      };
    case "REST GET /me":
      return { method: "GET", path: "/api/v1/me" };
    case "tRPC users.me":
      return { method: "GET", path: "/trpc/users.me" };
  }
}

interface LoadResult {
  perSecond: number;
  p50: number;
  p99: number;
  cpuPerRequest: number;
  /** PostgreSQL's backends' CPU per request (µs); NaN on SQLite. */
  backendCpuPerRequest: number;
}

/** The maintenance connection that finds a run's PostgreSQL backends, opened by the first `pg` run. */
let maintenance: ReturnType<typeof openDatabase> | undefined;

/** CPU of the backends serving `database` so far, by process (nothing on SQLite). */
async function backendCpu(database: string | undefined): Promise<Map<string, number>> {
  if (!database) return new Map();
  maintenance ??= openDatabase(POSTGRES_URL, { poolSize: 1 });
  return processCpuMicros(await backendsOf(maintenance.db, database));
}

/** Runs REQUESTS requests over CONNECTIONS keep-alive connections; throughput, p50 and p99. */
async function load(call: Call, server: BenchChild<Target>, database: string | undefined): Promise<LoadResult> {
  const target = server.info;
  const agent = new Agent({ keepAlive: true, maxSockets: CONNECTIONS });
  const { method, path, body } = requestOf(call, target);
  const { hostname, port } = new URL(target.url);
  const headers: Record<string, string> = { authorization: `Bearer ${target.token}` };
  if (body) {
    headers["content-type"] = "application/json";
    headers["content-length"] = String(Buffer.byteLength(body));
  }
  const one = () =>
    new Promise<void>((resolve, reject) => {
      const req = request({ agent, hostname, port, method, path, headers }, (res) => {
        res.resume();
        res.once("end", () =>
          res.statusCode && res.statusCode < 300 ? resolve() : reject(new Error(`${call}: ${res.statusCode}`)),
        );
      });
      req.once("error", reject);
      req.end(body);
    });
  // The warm-up opens the connections and runs the server until V8 has optimised its hot
  // code: a long-running server is measured, not one still running its first calls.
  await runInFlight(WARMUP, CONNECTIONS, one);
  const latencies: number[] = [];
  let next = 0;
  const cpuBefore = await server.cpuMicros();
  const backendsBefore = await backendCpu(database);
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      while (next < REQUESTS) {
        next += 1;
        const at = performance.now();
        await one();
        latencies.push(performance.now() - at);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const cpuPerRequest = ((await server.cpuMicros()) - cpuBefore) / REQUESTS;
  const backendCpuPerRequest = database ? cpuSpent(backendsBefore, await backendCpu(database)) / REQUESTS : Number.NaN;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  return {
    perSecond: REQUESTS / seconds,
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
    cpuPerRequest,
    backendCpuPerRequest,
  };
}

/** Starts the server of `call` in a child process, on a fresh PostgreSQL database for the `pg` ones. */
async function startServer(
  call: Call,
): Promise<{ server: BenchChild<Target>; database: string | undefined; stop: () => Promise<void> }> {
  const database = call.includes("pg ") ? await scratchPostgres(POSTGRES_URL, "natter_send_bench") : undefined;
  const server = await BenchChild.start<Target>(
    call.startsWith("before ") ? `file://${BEFORE}/bench/src/send.ts` : MODULE,
    [ROLE_OF[call]],
    { NATTER_RATE_LIMITS: "off", ...(database && { SEND_DATABASE_URL: database.url }) },
    process.env.SEND_SERVER_NODE_FLAGS?.split(" ").filter(Boolean) ?? [],
  );
  return {
    server,
    database: database && new URL(database.url).pathname.slice(1),
    stop: async () => {
      await server.stop();
      await database?.drop();
    },
  };
}

/** Sends one after another whose statements are counted, per kind. */
const COUNTED_SENDS = 50;

/** The natter `startNatterServer`/`loadConfig` of this checkout, or of another built one. */
async function natterOf(checkout: string | undefined): Promise<typeof import("natter")> {
  return checkout ? import(`file://${checkout}/server/dist/index.js`) : import("natter");
}

/**
 * Statements per send, counted on a natter in this process (`checkout`: another built one):
 * Kysely's queries from `/metrics`, plus `BEGIN` and `COMMIT` of the send's one transaction.
 */
async function statementsPerSend(databaseUrl: string, checkout?: string): Promise<Record<string, number>> {
  const natter = await natterOf(checkout);
  const server = await natter.startNatterServer({
    config: natter.loadConfig({ port: 0, databaseUrl, logLevel: "silent", rateLimits: "off" }, {}),
  });
  try {
    const { token } = await postJson(server.url, "/users", { username: "counter", password: "bench password" });
    const { room } = await postJson(server.url, "/rooms", { name: "count", open: false }, token);
    const queries = async () => {
      const text = await (await fetch(`${server.url}/metrics`)).text();
      return [...text.matchAll(/^natter_db_query_duration_seconds_count\{[^}]*\} (\d+)/gm)].reduce(
        (sum, match) => sum + Number(match[1]),
        0,
      );
    };
    const counts: Record<string, number> = {};
    for (const kind of ["plain", "clientMessageId"]) {
      // One send first, so that what a node keeps of the room is kept, as it is for every later send.
      await postJson(server.url, `/rooms/${room.id}/messages`, { body: BODY }, token);
      const before = await queries();
      for (let i = 0; i < COUNTED_SENDS; i += 1) {
        const input =
          kind === "plain" ? { body: BODY } : { body: BODY, clientMessageId: randomBytes(8).toString("hex") };
        await postJson(server.url, `/rooms/${room.id}/messages`, input, token);
      }
      counts[kind] = ((await queries()) - before) / COUNTED_SENDS + 2;
    }
    return counts;
  } finally {
    await server.close();
  }
}

/** Prints the statement counts of this checkout (and SEND_BEFORE's) on SQLite, and on PostgreSQL when asked. */
async function printStatementCounts(postgres: boolean): Promise<void> {
  for (const [label, checkout] of [
    ["", undefined],
    ["before ", BEFORE],
  ] as const) {
    if (label && !checkout) continue;
    const dir = mkdtempSync(join(tmpdir(), "natter-send-count-"));
    try {
      const sqlite = await statementsPerSend(join(dir, "count.db"), checkout);
      console.log(`  ${label}statements per send, SQLite: ${describeCounts(sqlite)}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    if (!postgres) continue;
    const database = await scratchPostgres(POSTGRES_URL, "natter_send_bench");
    try {
      console.log(
        `  ${label}statements per send, PostgreSQL: ${describeCounts(await statementsPerSend(database.url, checkout))}`,
      );
    } finally {
      await database.drop();
    }
  }
}

function describeCounts(counts: Record<string, number>): string {
  return Object.entries(counts)
    .map(([kind, count]) => `${fixed(count, 1)} (${kind})`)
    .join(", ");
}

async function main(): Promise<void> {
  console.log(
    `send path: ${REQUESTS} requests per run after ${WARMUP} to warm up, over ${CONNECTIONS} connections, ${REPS} interleaved repetitions, ` +
      `medians; node ${process.version}, ${cpus().length} × ${cpus()[0]?.model}`,
  );
  const chosen = process.env.SEND_CALLS?.split(",").map((call) => call.trim());
  const calls = (chosen ? ALL_CALLS.filter((call) => chosen.includes(call)) : [...ALL_CALLS]).filter(
    (call) => BEFORE !== undefined || !call.startsWith("before "),
  );
  console.log(
    `statements per send, ${COUNTED_SENDS} sends one after another in a room of one (BEGIN and COMMIT included):`,
  );
  await printStatementCounts(calls.some((call) => call.includes("pg ")));
  const results = new Map<Call, LoadResult[]>(calls.map((call) => [call, []]));
  for (let rep = 0; rep < REPS; rep += 1) {
    for (let i = 0; i < calls.length; i += 1) {
      const call = calls[(i + rep) % calls.length] as Call;
      const { server, database, stop } = await startServer(call);
      try {
        const result = await load(call, server, database);
        results.get(call)?.push(result);
        console.log(
          `  rep ${rep + 1} ${call.padEnd(19)} ${fixed(result.perSecond, 0).padStart(6)} req/s  ` +
            `p50 ${fixed(result.p50, 1)} ms  p99 ${fixed(result.p99, 1)} ms  ${fixed(result.cpuPerRequest, 0)} µs CPU/req` +
            (database ? `  PostgreSQL ${fixed(result.backendCpuPerRequest, 0)} µs CPU/req` : ""),
        );
      } finally {
        await stop();
      }
    }
  }
  const summary = new Map(
    calls.map((call) => {
      const runs = results.get(call) ?? [];
      const of = (pick: (r: LoadResult) => number) => median(runs.map(pick));
      return [
        call,
        {
          perSecond: of((r) => r.perSecond),
          p50: of((r) => r.p50),
          p99: of((r) => r.p99),
          cpu: of((r) => r.cpuPerRequest),
          backendCpu: of((r) => r.backendCpuPerRequest),
        },
      ];
    }),
  );
  console.log(
    `\n  ${"call".padEnd(19)} ${"req/s".padStart(7)} ${"p50 ms".padStart(8)} ${"p99 ms".padStart(8)} ${"µs CPU/req".padStart(11)} ${"PostgreSQL µs/req".padStart(18)}`,
  );
  for (const [call, s] of summary)
    console.log(
      `  ${call.padEnd(19)} ${fixed(s.perSecond, 0).padStart(7)} ${fixed(s.p50, 1).padStart(8)} ${fixed(s.p99, 1).padStart(8)} ${fixed(s.cpu, 0).padStart(11)} ${(Number.isNaN(s.backendCpu) ? "" : fixed(s.backendCpu, 0)).padStart(18)}`,
    );
  const rate = (call: Call) => summary.get(call)?.perSecond ?? Number.NaN;
  // The inverse ratio of CPU per request: what the rate would be with the server alone on its cores.
  const cpuRate = (call: Call) => 1 / (summary.get(call)?.cpu ?? Number.NaN);
  // The same with PostgreSQL's backends' CPU added (NaN on SQLite).
  const allCpuRate = (call: Call) =>
    1 / ((summary.get(call)?.cpu ?? Number.NaN) + (summary.get(call)?.backendCpu ?? Number.NaN));
  const latency = (call: Call) =>
    `p50 ${fixed(summary.get(call)?.p50 ?? Number.NaN, 1)}/p99 ${fixed(summary.get(call)?.p99 ?? Number.NaN, 1)} ms`;
  const ratio = (a: Call, b: Call, goal: string) => {
    if (!summary.has(a) || !summary.has(b)) return;
    console.log(
      `  ${`${a} / ${b}:`.padEnd(44)} ${fixed(rate(a) / rate(b))}× by req/s, ${fixed(cpuRate(a) / cpuRate(b))}× by CPU/req` +
        (Number.isNaN(allCpuRate(a) / allCpuRate(b))
          ? ""
          : `, ${fixed(allCpuRate(a) / allCpuRate(b))}× by its and PostgreSQL's CPU/req`) +
        goal +
        `  (${latency(a)} vs ${latency(b)})`,
    );
  };
  ratio("REST send", "bare send", " (goal ≥ 0.8)");
  ratio("REST send", "bare group send", "");
  ratio("pg REST send", "pg bare send", " (goal ≥ 0.8)");
  ratio("before REST send", "bare send", " (before)");
  ratio("before pg REST send", "pg bare send", " (before)");
  ratio("REST send", "before REST send", " (after / before)");
  ratio("pg REST send", "before pg REST send", " (after / before)");
  ratio("tRPC send", "REST send", " (goal ≥ 0.9)");
  ratio("tRPC users.me", "REST GET /me", "");
  await maintenance?.close();
}

const role = process.argv[2];
if (role === "serve-natter") await serveNatter();
else if (role === "serve-bare") await serveBare(false);
else if (role === "serve-bare-group") await serveBare(true);
else if (role === "serve-bare-pg") await serveBarePostgres();
else await main();
