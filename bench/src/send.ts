/**
 * The send path: posting a message through natter's REST API, through tRPC over HTTP (the
 * same procedure), and through a bare `node:http` + better-sqlite3 server that does the
 * same work by hand on the same schema: look the bearer token's session up, check the
 * room and membership, and in one transaction take the room's next seq, insert the event
 * and the message and bump the two message counters the statistics read (natter's writes of
 * a send, the same rows and pages). Also a read: REST `GET /me` vs tRPC `users.me`.
 *
 * Each server runs alone in its own process; the load (CONNECTIONS concurrent keep-alive
 * connections) comes from this one. Runs are interleaved and the table shows medians of
 * requests per second, p99 latency and the server's CPU time per request (from its
 * `process.cpuUsage()` over the measured window, which other load on a shared machine
 * disturbs far less than it does throughput), and the ratios the issue asks for.
 *
 *   npm run bench:send
 *   SEND_REQUESTS=4000 SEND_WARMUP=3000 SEND_CONNECTIONS=50 SEND_REPS=3 npm run bench:send
 *   SEND_CALLS="REST send" SEND_SERVER_NODE_FLAGS="--cpu-prof --cpu-prof-dir=/tmp/profiles" npm run bench:send
 */
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { Agent, createServer, request } from "node:http";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { hourOf, messageShardOf, messagesCounter, messagesInHourCounter } from "@natter/db";
import SQLite from "better-sqlite3";
import { loadConfig, startNatterServer } from "natter";
import { postJson } from "./natter-rest.js";
import { BenchChild, serveChild } from "./server-process.js";
import { fixed, median, percentile } from "./stats.js";

const REQUESTS = Number(process.env.SEND_REQUESTS ?? 3000);
const CONNECTIONS = Number(process.env.SEND_CONNECTIONS ?? 50);
const REPS = Number(process.env.SEND_REPS ?? 3);
const WARMUP = Number(process.env.SEND_WARMUP ?? 3000);
const BODY = "the quick brown fox jumps over the lazy dog while the team ships the next release";
const MODULE = import.meta.url;

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
  const { server, target } = await natterWithRoom(join(dir, "bench.db"));
  serveChild(target, {
    stop: async () => {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  });
}

/** The bare server: natter's schema and data (made by natter), natter's writes by hand. */
async function serveBare(): Promise<void> {
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
  const nextSeq = db.prepare("update rooms set last_seq = last_seq + 1 where id = ? returning last_seq");
  const insertEvent = db.prepare(
    "insert into room_events (room_id, seq, type, actor_id, payload, created_at, message_id) values (?, ?, ?, ?, ?, ?, ?)",
  );
  const insertMessage = db.prepare(
    "insert into messages (id, room_id, seq, author_id, body, reply_to_id, client_message_id, created_at) values (?, ?, ?, ?, ?, null, null, ?)",
  );
  const bumpCounters = db.prepare(
    "insert into stat_counters (name, value) values (?, 1), (?, 1) on conflict (name) do update set value = stat_counters.value + excluded.value",
  );
  const send = db.transaction((roomId: string, userId: string, body: string) => {
    const { last_seq: seq } = nextSeq.get(roomId) as { last_seq: number };
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
    insertEvent.run(roomId, seq, event.type, userId, JSON.stringify(event), at, message.id);
    insertMessage.run(message.id, roomId, seq, userId, body, at);
    const shard = messageShardOf(roomId);
    bumpCounters.run(messagesCounter(shard), messagesInHourCounter(hourOf(at), shard));
    return message;
  });
  const answer = (res: import("node:http").ServerResponse, status: number, body: unknown) => {
    const text = JSON.stringify(body);
    res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
    res.end(text);
  };
  const http = createServer((req, res) => {
    const match = /^\/api\/v1\/rooms\/([^/]+)\/messages$/.exec(req.url ?? "");
    if (req.method !== "POST" || !match) return answer(res, 404, { error: { code: "NOT_FOUND" } });
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const token = /^Bearer (\S+)$/.exec(req.headers.authorization ?? "")?.[1];
      const user = token
        ? (session.get(createHash("sha256").update(token).digest("hex")) as { userId: string } | undefined)
        : undefined;
      if (!user) return answer(res, 401, { error: { code: "UNAUTHENTICATED" } });
      const input = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { body?: unknown };
      if (typeof input.body !== "string" || input.body.length === 0) {
        return answer(res, 400, { error: { code: "VALIDATION_FAILED" } });
      }
      const roomId = match[1] as string;
      const room = access.get(user.userId, roomId) as { role: string | null } | undefined;
      if (!room?.role) return answer(res, 404, { error: { code: "ROOM_NOT_FOUND" } });
      answer(res, 201, { message: send(roomId, user.userId, input.body) });
    });
  });
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  const { port } = http.address() as { port: number };
  serveChild(
    { ...setup.target, url: `http://127.0.0.1:${port}` },
    {
      stop: async () => {
        http.closeAllConnections();
        await new Promise((resolve) => http.close(resolve));
        db.close();
        rmSync(dir, { recursive: true, force: true });
      },
    },
  );
}

// ---------------------------------------------------------------------------------------

type Call = "REST send" | "tRPC send" | "bare send" | "REST GET /me" | "tRPC users.me";

/** One HTTP request of `call`, as method, path and body. */
function requestOf(call: Call, target: Target): { method: string; path: string; body?: string } {
  const send = JSON.stringify({ body: BODY });
  switch (call) {
    case "REST send":
    case "bare send":
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

/** Runs REQUESTS requests over CONNECTIONS keep-alive connections; throughput and p99. */
async function load(call: Call, server: BenchChild<Target>) {
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
  let warmed = 0;
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      while (warmed < WARMUP) {
        warmed += 1;
        await one();
      }
    }),
  );
  const latencies: number[] = [];
  let next = 0;
  const cpuBefore = await server.cpuMicros();
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
  agent.destroy();
  latencies.sort((a, b) => a - b);
  return { perSecond: REQUESTS / seconds, p99: percentile(latencies, 0.99), cpuPerRequest };
}

async function main(): Promise<void> {
  console.log(
    `send path: ${REQUESTS} requests per run after ${WARMUP} to warm up, over ${CONNECTIONS} connections, ${REPS} interleaved repetitions, ` +
      `medians; node ${process.version}, ${cpus().length} × ${cpus()[0]?.model}`,
  );
  const allCalls: Call[] = ["REST send", "tRPC send", "bare send", "REST GET /me", "tRPC users.me"];
  const chosen = process.env.SEND_CALLS?.split(",").map((call) => call.trim());
  const calls = chosen ? allCalls.filter((call) => chosen.includes(call)) : allCalls;
  const results = new Map<Call, Array<{ perSecond: number; p99: number; cpuPerRequest: number }>>(
    calls.map((call) => [call, []]),
  );
  for (let rep = 0; rep < REPS; rep += 1) {
    for (let i = 0; i < calls.length; i += 1) {
      const call = calls[(i + rep) % calls.length] as Call;
      const server = await BenchChild.start<Target>(
        MODULE,
        [call === "bare send" ? "serve-bare" : "serve-natter"],
        { NATTER_RATE_LIMITS: "off" },
        process.env.SEND_SERVER_NODE_FLAGS?.split(" ").filter(Boolean) ?? [],
      );
      try {
        const result = await load(call, server);
        results.get(call)?.push(result);
        console.log(
          `  rep ${rep + 1} ${call.padEnd(14)} ${fixed(result.perSecond, 0).padStart(6)} req/s  p99 ${fixed(result.p99, 1)} ms` +
            `  ${fixed(result.cpuPerRequest, 0)} µs CPU/req`,
        );
      } finally {
        await server.stop();
      }
    }
  }
  const summary = new Map(
    calls.map((call) => {
      const runs = results.get(call) ?? [];
      const perSecond = median(runs.map((r) => r.perSecond));
      return [call, { perSecond, p99: median(runs.map((r) => r.p99)), cpu: median(runs.map((r) => r.cpuPerRequest)) }];
    }),
  );
  console.log(`\n  ${"call".padEnd(14)} ${"req/s".padStart(7)} ${"p99 ms".padStart(8)} ${"µs CPU/req".padStart(11)}`);
  for (const [call, s] of summary)
    console.log(
      `  ${call.padEnd(14)} ${fixed(s.perSecond, 0).padStart(7)} ${fixed(s.p99, 1).padStart(8)} ${fixed(s.cpu, 0).padStart(11)}`,
    );
  const rate = (call: Call) => summary.get(call)?.perSecond ?? Number.NaN;
  // The inverse ratio of CPU per request: what the rate would be with the server alone on its cores.
  const cpuRate = (call: Call) => 1 / (summary.get(call)?.cpu ?? Number.NaN);
  const ratio = (a: Call, b: Call, goal: string) =>
    `${fixed(rate(a) / rate(b))}× by req/s, ${fixed(cpuRate(a) / cpuRate(b))}× by CPU/req${goal}`;
  console.log(`  REST send / bare send:        ${ratio("REST send", "bare send", " (goal ≥ 0.5)")}`);
  console.log(`  tRPC send / REST send:        ${ratio("tRPC send", "REST send", " (goal ≥ 0.9)")}`);
  console.log(`  tRPC users.me / REST GET /me: ${ratio("tRPC users.me", "REST GET /me", "")}`);
}

const role = process.argv[2];
if (role === "serve-natter") await serveNatter();
else if (role === "serve-bare") await serveBare();
else await main();
