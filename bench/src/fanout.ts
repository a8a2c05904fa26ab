/**
 * Fan-out: N watchers of one room receive every message sent to it, through four servers
 * side by side, all sending the same ~740-byte frame of a `message.created` event (natter's, field for field):
 *
 * - natter: tRPC `wsLink` clients subscribed to `rooms.events`; messages sent over REST;
 * - Socket.IO: a room broadcast (`io.to(room).emit`), the usual Node chat baseline;
 * - pre-framed ws: a bare `ws` server that encodes each event once and sends the same
 *   Buffer to every socket (the floor for a JSON-over-WebSocket server);
 * - naive ws: a bare `ws` server that encodes the envelope per socket;
 * - bare durable: `node:http` + better-sqlite3 (WAL, synchronous=NORMAL) + `ws`: the bearer
 *   token looked up in memory, one immediate transaction per message doing natter's writes
 *   (room seq + 1, the event row with its JSON payload, the message row), then the event's
 *   frame built once and written to each watcher's socket, then 201 JSON: natter's durable
 *   work by hand, sent the same messages by the same REST publisher.
 * - bare durable, full (information, not a goal's peer): the same with every row natter's send
 *   writes to this room now: beside the three above, the author's inbox head and entry (the
 *   inbox of issue 21: a member's own message is in their inbox too, for their other devices)
 *   and the two message counters (`stat_counters`, bumped in the send's transaction so that
 *   statistics stay exact). natter / it says how much of natter / durable is those writes.
 *
 * Every server runs alone in its own process, and the watchers in two more, so the
 * server's CPU time (`process.cpuUsage` over the measured window) is its own. Runs are
 * interleaved (the order rotates each repetition) and the table shows medians: deliveries
 * per second, send-to-receive p50/p99, server CPU µs per delivery, and natter's ratios.
 *
 *   npm run bench:fanout
 *   FANOUT_SUBSCRIBERS=10,100,1000 FANOUT_DELIVERIES=50000 FANOUT_REPS=3 npm run bench:fanout
 *   FANOUT_BEFORE=/tmp/natter-before npm run bench:fanout   (that checkout's natter too, interleaved)
 *   FANOUT_WARMUP_DELIVERIES=0 FANOUT_WARMUP_SECONDS=0 npm run bench:fanout   (no warm-up: each server measured from its first sends)
 *   FANOUT_KINDS=natter FANOUT_SERVER_NODE_FLAGS="--cpu-prof --cpu-prof-dir=/tmp/profiles" npm run bench:fanout
 */
import { createHash, randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { INBOX_PREVIEW_MAX, type Message, messageSchema, type RoomEvent } from "@natter/shared";
import SQLite from "better-sqlite3";
import { loadConfig, startNatterServer } from "natter";
import { Server as SocketIOServer } from "socket.io";
import { io as connectSocketIO, type Socket as SocketIOSocket } from "socket.io-client";
import WebSocket, { WebSocketServer } from "ws";
import { bareSendStatements, messageCountersOf } from "./bare-writes.js";
import { postJson as rest } from "./natter-rest.js";
import { schedulingOf } from "./process-cpu.js";
import { BenchChild, epochMs, serveChild } from "./server-process.js";
import { fixed, median } from "./stats.js";
import { deliveryTotals, runWatchers, type WatcherCommand, type WatcherKind } from "./watchers.js";

const SUBSCRIBER_COUNTS = (process.env.FANOUT_SUBSCRIBERS ?? "10,100,1000").split(",").map(Number);
/** Deliveries per run; messages = deliveries / subscribers. */
const DELIVERIES = Number(process.env.FANOUT_DELIVERIES ?? 50_000);
/**
 * Deliveries each server makes, every server alike, after its watchers are live and before
 * the measured ones (messages = these / watchers, rounded up), sent the same way: a long-running
 * server is measured, not one still running its first sends (10 watchers, 3,000 messages
 * measured, load 13–16: without a warm-up natter's server CPU per delivery read 1.42× what it
 * did after one of 30,000 deliveries, the durable peer's 1.23×). 0: none.
 */
const WARMUP_DELIVERIES = Number(process.env.FANOUT_WARMUP_DELIVERIES ?? 20_000);
/**
 * And for at least this long, by the clock (as JMH warms up by time): V8 compiles a hot
 * function on its worker threads some hundreds of calls in, and natter's send path is far more
 * code than a bare server's, so 200 messages (20,000 deliveries at 100 watchers) left its
 * compiler working through the measured messages (2026-12-07, 100 watchers, 500 measured
 * messages: natter's threads other than its main one 4.7–5.2 µs a delivery, the durable peer's
 * 0.6–1.1; natter / durable 1.34–1.78× by CPU a delivery, 0.68–0.93× by deliveries/s). After
 * 3,000 messages of warm-up natter's other threads were at the peer's (0.5–0.7 µs), and natter /
 * durable 1.03× by CPU, 1.07× by deliveries/s. 0: deliveries alone.
 */
const WARMUP_SECONDS = Number(process.env.FANOUT_WARMUP_SECONDS ?? 10);
const REPS = Number(process.env.FANOUT_REPS ?? 3);
const SENDERS = Number(process.env.FANOUT_SENDERS ?? 4);
const WATCHER_PROCESSES = Number(process.env.FANOUT_WATCHER_PROCESSES ?? 2);
/** The checkout (built) of another commit whose natter is measured too, as "natter before". */
const BEFORE = process.env.FANOUT_BEFORE;
const ALL_KINDS = [
  "natter",
  "natter before",
  "durable",
  "durable full",
  "socket.io",
  "ws pre-framed",
  "ws naive",
] as const;
type Kind = (typeof ALL_KINDS)[number];
/** Such as FANOUT_KINDS=natter, to profile one server alone. */
const KINDS = ALL_KINDS.filter(
  (kind) =>
    (process.env.FANOUT_KINDS?.split(",") ?? ALL_KINDS).includes(kind) &&
    (BEFORE !== undefined || kind !== "natter before"),
);
/** How each server's watchers watch. */
const watcherKindOf = (kind: Kind): WatcherKind =>
  kind === "natter before" ? "natter" : kind === "durable full" ? "durable" : kind;
/** Issue 25's goals for natter's deliveries per second over the bare durable server's, by watchers. */
const DURABLE_GOALS: Record<number, number> = { 10: 0.8, 100: 0.9, 1000: 0.95 };
/** A run that has not delivered everything by then stops and reports what it delivered. */
const RUN_DEADLINE_MS = 90_000;
const FILLER = " the quick brown fox jumps over the lazy dog while the team ships the next release";
const MODULE = import.meta.url;

// ---------------------------------------------------------------------------------------
// Servers under test, each in its own process.

async function serveNatter(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "natter-fanout-"));
  const server = await startNatterServer({
    // A benchmark sends far faster than a person: the write rates would measure themselves.
    config: loadConfig({ port: 0, databaseUrl: join(dir, "bench.db"), logLevel: "silent", rateLimits: "off" }, {}),
  });
  serveChild(server.url, {
    stats: () => server.webSocketStats(),
    stop: async () => {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  });
}

/**
 * The wsLink envelope natter sends for a tracked event of subscription `id`, key for key; the
 * watchers subscribe without `jsonrpc`, so natter's frames carry none and neither do these.
 */
function envelope(id: number, event: RoomEvent): object {
  const eventId = String(event.seq);
  return { id, result: { type: "data", data: { id: eventId, data: event }, id: eventId } };
}

/**
 * What natter's messages carry beyond the written columns (attachments, reactions, thread,
 * pins, mentions: all empty for a plain message), taken once from the shared schema's
 * defaults, so that the bare servers' frames are natter's, field for field and byte for byte
 * in size, and follow its schema as it grows.
 */
const MESSAGE_DEFAULTS = (() => {
  const id = "0198f0c2-6b1e-7a3c-9d4e-5f6a7b8c9d0e";
  const at = new Date(0).toISOString();
  const written = {
    id,
    roomId: id,
    seq: 1,
    authorId: id,
    body: "",
    replyToId: null,
    createdAt: at,
    editedAt: null,
    deletedAt: null,
  };
  const parsed: Message = messageSchema.parse(written);
  const defaults = Object.entries(parsed).filter(([key]) => !(key in written));
  return Object.fromEntries(defaults) as Omit<Message, keyof typeof written>;
})();

/** A `message.created` event as natter publishes it: its keys in natter's order, every id a UUID. */
function messageCreated(roomId: string, seq: number, authorId: string, body: string): RoomEvent {
  const at = new Date().toISOString();
  const message: Message = {
    id: randomUUID(),
    roomId,
    seq,
    authorId,
    body,
    replyToId: null,
    createdAt: at,
    editedAt: null,
    deletedAt: null,
    ...MESSAGE_DEFAULTS,
  };
  return { type: "message.created", actorId: authorId, message, roomId, seq, at } as RoomEvent;
}

/**
 * A bare `ws` server: `/publish` sockets send events (acknowledged with "ack"), every other
 * socket receives them. Pre-framed encodes each event once for all; naive once per socket.
 */
async function serveBareWs(preFramed: boolean): Promise<void> {
  const wss = new WebSocketServer({ port: 0, host: "127.0.0.1" });
  await new Promise((resolve) => wss.once("listening", resolve));
  const subscribers = new Set<WebSocket>();
  wss.on("connection", (ws, req) => {
    if (req.url === "/publish") {
      ws.on("message", (data) => {
        const event = JSON.parse(data.toString()) as RoomEvent;
        if (preFramed) {
          const frame = Buffer.from(JSON.stringify(envelope(1, event)));
          for (const subscriber of subscribers) subscriber.send(frame, { binary: false });
        } else {
          for (const subscriber of subscribers) subscriber.send(JSON.stringify(envelope(1, event)));
        }
        ws.send("ack");
      });
      return;
    }
    subscribers.add(ws);
    ws.once("close", () => subscribers.delete(ws));
  });
  const { port } = wss.address() as { port: number };
  serveChild(`http://127.0.0.1:${port}`, {
    stop: async () => {
      for (const client of wss.clients) client.terminate();
      await new Promise((resolve) => wss.close(resolve));
    },
  });
}

/**
 * The bare durable server: natter's schema (made by natter, with a user and an open room),
 * then natter's writes of a send by hand (`full`: the inbox and counter rows too). `GET
 * /target` tells the publisher its token and room.
 */
async function serveDurable(full: boolean): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "natter-fanout-durable-"));
  const file = join(dir, "bench.db");
  const natter = await startNatterServer({
    config: loadConfig({ port: 0, databaseUrl: file, logLevel: "silent", rateLimits: "off" }, {}),
  });
  const owner = await rest(natter.url, "/users", { username: "durable", password: "bench password" });
  const { room } = await rest(natter.url, "/rooms", { name: "fan-out", open: true }, owner.token);
  await natter.close();
  const db = new SQLite(file);
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
  db.pragma("foreign_keys = ON");
  const sessions = new Map([[createHash("sha256").update(owner.token).digest("hex"), owner.user.id as string]]);
  const statements = bareSendStatements(db);
  const { nextSeq, insertEvent, insertMessage } = statements;
  const writeFullRows = full
    ? fullRowsWriter(db, statements.bumpCounters, owner.user.id as string, "durable")
    : undefined;
  const store = db.transaction((roomId: string, userId: string, body: string): RoomEvent => {
    const { last_seq: seq } = nextSeq.get(roomId) as { last_seq: number };
    const event = messageCreated(roomId, seq, userId, body) as Extract<RoomEvent, { type: "message.created" }>;
    const { message, at } = event;
    insertEvent.run(roomId, seq, event.type, userId, JSON.stringify(event), at, message.id);
    insertMessage.run(message.id, roomId, seq, userId, body, at);
    writeFullRows?.(message);
    return event;
  });
  const subscribers = new Set<WebSocket>();
  const http = createServer((req, res) => {
    const answer = (status: number, body: unknown) => {
      const text = JSON.stringify(body);
      res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
      res.end(text);
    };
    if (req.method === "GET" && req.url === "/target") return answer(200, { token: owner.token, roomId: room.id });
    const match = /^\/api\/v1\/rooms\/([^/]+)\/messages$/.exec(req.url ?? "");
    if (req.method !== "POST" || !match) return answer(404, { error: { code: "NOT_FOUND" } });
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const token = /^Bearer (\S+)$/.exec(req.headers.authorization ?? "")?.[1];
      const userId = token ? sessions.get(createHash("sha256").update(token).digest("hex")) : undefined;
      if (!userId) return answer(401, { error: { code: "UNAUTHENTICATED" } });
      const input = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { body?: unknown };
      if (typeof input.body !== "string" || input.body.length === 0) {
        return answer(400, { error: { code: "VALIDATION_FAILED" } });
      }
      const event = store(match[1] as string, userId, input.body);
      const frame = Buffer.from(JSON.stringify(envelope(1, event)));
      for (const subscriber of subscribers) subscriber.send(frame, { binary: false });
      answer(201, { message: (event as Extract<RoomEvent, { type: "message.created" }>).message });
    });
  });
  const wss = new WebSocketServer({ server: http, path: "/subscribe" });
  wss.on("connection", (ws) => {
    subscribers.add(ws);
    ws.once("close", () => subscribers.delete(ws));
  });
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  const { port } = http.address() as { port: number };
  serveChild(`http://127.0.0.1:${port}`, {
    stop: async () => {
      for (const client of wss.clients) client.terminate();
      http.closeAllConnections();
      await new Promise((resolve) => http.close(resolve));
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  });
}

/**
 * The rest of what natter's send writes in a room whose one member is its author, by hand:
 * the author's inbox head and `message.created` entry (natter's summary, field for field) and
 * the two message counters of the room's shard.
 */
function fullRowsWriter(
  db: SQLite.Database,
  bumpCounters: SQLite.Statement,
  authorId: string,
  username: string,
): (message: Message) => void {
  const raiseHead = db.prepare(
    "insert into inbox_heads (user_id, last_seq) values (?, 1) on conflict (user_id) do update set last_seq = inbox_heads.last_seq + excluded.last_seq returning last_seq",
  );
  const insertEntry = db.prepare(
    "insert into inbox_events (user_id, seq, type, payload, created_at) values (?, ?, 'message.created', ?, ?)",
  );
  const author = { userId: authorId, username };
  return (message) => {
    const { last_seq: seq } = raiseHead.get(authorId) as { last_seq: number };
    const { roomId, id: messageId, createdAt: at } = message;
    const preview = (message.body ?? "").slice(0, INBOX_PREVIEW_MAX);
    const summary = { type: "message.created", roomId, messageId, author, preview, mentioned: false, seq, at };
    insertEntry.run(authorId, seq, JSON.stringify(summary), at);
    bumpCounters.run(...messageCountersOf(roomId, at));
  };
}

/** Socket.IO: publishers emit "publish" with an ack; everyone else is in one room. */
async function serveSocketIO(): Promise<void> {
  const http = createServer();
  const io = new SocketIOServer(http, { transports: ["websocket"], serveClient: false });
  io.on("connection", (socket) => {
    if (socket.handshake.query.role === "publish") {
      socket.on("publish", (event: RoomEvent, ack: () => void) => {
        io.to("room").emit("event", event);
        ack();
      });
      return;
    }
    socket.join("room");
  });
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  const { port } = http.address() as { port: number };
  serveChild(`http://127.0.0.1:${port}`, {
    stop: async () => {
      io.disconnectSockets(true);
      await new Promise((resolve) => io.close(resolve));
    },
  });
}

// ---------------------------------------------------------------------------------------
// The measuring side.

interface RunResult {
  kind: Kind;
  delivered: number;
  expected: number;
  deliveriesPerSecond: number;
  p50: number;
  p99: number;
  cpuMicrosPerDelivery: number;
  /** Of it, the server's main thread (/proc, 10 ms ticks): the rest is V8's compiler and GC threads and libuv's. */
  mainThreadMicrosPerDelivery: number;
  /** The watchers' and the publisher's CPU per delivery: what the server shares the cores with. */
  clientCpuMicrosPerDelivery: number;
  serverStats?: unknown;
}

/** An event as natter would build it, for the bare servers to relay. */
function sampleEvent(body: string, seq: number): RoomEvent {
  const id = "0198f0c2-6b1e-7a3c-9d4e-5f6a7b8c9d0e";
  return messageCreated(id, seq, id, body);
}

/** Opens the publishing side of a server: a function that sends one body and waits for its acknowledgement. */
async function publisher(
  kind: Kind,
  url: string,
): Promise<{ send: (body: string) => Promise<void>; roomId?: string; close: () => void }> {
  if (kind === "durable" || kind === "durable full") {
    const target = (await (await fetch(`${url}/target`)).json()) as { token: string; roomId: string };
    return {
      roomId: target.roomId,
      send: async (body) => {
        await rest(url, `/rooms/${target.roomId}/messages`, { body }, target.token);
      },
      close: () => undefined,
    };
  }
  if (kind === "natter" || kind === "natter before") {
    const owner = await rest(url, "/users", { username: `fanout_${Date.now()}`, password: "bench password" });
    const { room } = await rest(url, "/rooms", { name: "fan-out", open: true }, owner.token);
    return {
      roomId: room.id,
      send: async (body) => {
        await rest(url, `/rooms/${room.id}/messages`, { body }, owner.token);
      },
      close: () => undefined,
    };
  }
  let seq = 0;
  let turn = 0;
  if (kind === "socket.io") {
    const sockets = await Promise.all(
      Array.from(
        { length: SENDERS },
        () =>
          new Promise<SocketIOSocket>((resolve, reject) => {
            const socket = connectSocketIO(url, {
              transports: ["websocket"],
              forceNew: true,
              query: { role: "publish" },
            });
            socket.once("connect", () => resolve(socket));
            socket.once("connect_error", reject);
          }),
      ),
    );
    return {
      send: async (body) => {
        await (sockets[turn++ % sockets.length] as SocketIOSocket).emitWithAck("publish", sampleEvent(body, ++seq));
      },
      close: () => {
        for (const socket of sockets) socket.close();
      },
    };
  }
  const sockets = await Promise.all(
    Array.from(
      { length: SENDERS },
      () =>
        new Promise<WebSocket>((resolve, reject) => {
          const ws = new WebSocket(`${url.replace(/^http/, "ws")}/publish`);
          ws.once("open", () => resolve(ws));
          ws.once("error", reject);
        }),
    ),
  );
  return {
    send: (body) => {
      const ws = sockets[turn++ % sockets.length] as WebSocket;
      return new Promise<void>((resolve) => {
        ws.once("message", () => resolve());
        ws.send(JSON.stringify(sampleEvent(body, ++seq)));
      });
    },
    close: () => {
      for (const ws of sockets) ws.terminate();
    },
  };
}

async function waitUntil(condition: () => Promise<boolean>, deadline: number): Promise<boolean> {
  while (!(await condition())) {
    if (performance.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return true;
}

const SERVER_ROLES: Record<Kind, string> = {
  natter: "serve-natter",
  "natter before": "serve-natter",
  durable: "serve-durable",
  "durable full": "serve-durable-full",
  "socket.io": "serve-socketio",
  "ws pre-framed": "serve-ws-preframed",
  "ws naive": "serve-ws-naive",
};

async function run(kind: Kind, subscribers: number, messages: number): Promise<RunResult> {
  const server = await BenchChild.start<string>(
    kind === "natter before" ? `file://${BEFORE}/bench/src/fanout.ts` : MODULE,
    [SERVER_ROLES[kind]],
    { NATTER_RATE_LIMITS: "off" },
    // Such as "--cpu-prof --cpu-prof-dir=/tmp/profiles", to profile the servers only.
    process.env.FANOUT_SERVER_NODE_FLAGS?.split(" ").filter(Boolean) ?? [],
  );
  const watchers = await Promise.all(
    Array.from({ length: WATCHER_PROCESSES }, () => BenchChild.start<null>(MODULE, ["watch"])),
  );
  const pub = await publisher(kind, server.info);
  /** Sends `count` messages, SENDERS in flight. */
  const sendAll = async (count: number, body: (index: number) => string) => {
    let next = 0;
    await Promise.all(
      Array.from({ length: SENDERS }, async () => {
        while (next < count) await pub.send(body(next++));
      }),
    );
  };
  const sum = async (command: WatcherCommand) =>
    (await Promise.all(watchers.map((w) => w.command<number>(command)))).reduce((a, b) => a + b, 0);
  try {
    await Promise.all(
      watchers.map((w, i) => {
        const count = Math.floor(subscribers / WATCHER_PROCESSES) + (i < subscribers % WATCHER_PROCESSES ? 1 : 0);
        return w.command({ type: "connect", kind: watcherKindOf(kind), url: server.info, count, roomId: pub.roomId });
      }),
    );
    // Every watcher has heard a warm-up message: all are live.
    const warmDeadline = performance.now() + RUN_DEADLINE_MS;
    while ((await sum({ type: "heard" })) < subscribers) {
      if (performance.now() > warmDeadline) throw new Error(`${kind}: not every watcher is live`);
      await pub.send(`warm-up${FILLER}`);
    }
    const warmUpMessages = WARMUP_DELIVERIES > 0 ? Math.ceil(WARMUP_DELIVERIES / subscribers) : 0;
    await sendAll(warmUpMessages, (index) => `warm-up #${index}${FILLER}`);
    const warmUpEnd = performance.now() + WARMUP_SECONDS * 1000;
    while (performance.now() < warmUpEnd) await sendAll(SENDERS * 25, (index) => `warm-up #${index}${FILLER}`);
    await sum({ type: "measure" });
    const clientCpu = async () => {
      const { user, system } = process.cpuUsage();
      const watching = await Promise.all(watchers.map((w) => w.cpuMicros()));
      return user + system + watching.reduce((a, b) => a + b, 0);
    };
    const clientCpuBefore = await clientCpu();
    const cpuBefore = await server.cpuMicros();
    const mainThreadBefore = schedulingOf([server.pid]).mainThread;
    const firstSend = epochMs();
    await sendAll(messages, (index) => `#${index}@${epochMs().toFixed(3)}${FILLER}`);
    const expected = subscribers * messages;
    await waitUntil(async () => (await sum({ type: "progress" })) >= expected, performance.now() + RUN_DEADLINE_MS);
    const cpuAfter = await server.cpuMicros();
    const mainThreadAfter = schedulingOf([server.pid]).mainThread;
    const clientCpuAfter = await clientCpu();
    const totals = await deliveryTotals(watchers, firstSend);
    const { delivered } = totals;
    return {
      kind,
      ...totals,
      expected,
      cpuMicrosPerDelivery: (cpuAfter - cpuBefore) / delivered,
      mainThreadMicrosPerDelivery: (mainThreadAfter - mainThreadBefore) / delivered,
      clientCpuMicrosPerDelivery: (clientCpuAfter - clientCpuBefore) / delivered,
      ...(kind.startsWith("natter") && { serverStats: await server.stats() }),
    };
  } finally {
    pub.close();
    await Promise.all(watchers.map((w) => w.stop()));
    await server.stop();
  }
}

async function main(): Promise<void> {
  console.log(
    `fan-out over loopback WebSockets: ${SENDERS} senders, ${WATCHER_PROCESSES} watcher processes, ` +
      `${REPS} interleaved repetitions, medians, ${WARMUP_DELIVERIES} warm-up deliveries and ${WARMUP_SECONDS} s of warm-up per run; node ${process.version}, ${cpus().length} × ${cpus()[0]?.model}`,
  );
  /** Each server's median CPU per delivery (µs), by watcher count. */
  const cpuByWatchers = new Map<Kind, Map<number, number>>(KINDS.map((kind) => [kind, new Map()]));
  for (const subscribers of SUBSCRIBER_COUNTS) {
    const messages = Math.max(20, Math.round(DELIVERIES / subscribers));
    const runs = new Map<Kind, RunResult[]>(KINDS.map((kind) => [kind, []]));
    for (let rep = 0; rep < REPS; rep += 1) {
      const order = KINDS.map((_, i) => KINDS[(i + rep) % KINDS.length] as Kind);
      for (const kind of order) {
        const result = await run(kind, subscribers, messages);
        runs.get(kind)?.push(result);
        const incomplete =
          result.delivered < result.expected ? ` (delivered ${result.delivered} of ${result.expected})` : "";
        console.log(
          `  rep ${rep + 1} ${kind.padEnd(14)} ${fixed(result.deliveriesPerSecond, 0).padStart(7)}/s  ` +
            `p50 ${fixed(result.p50, 1)} ms  p99 ${fixed(result.p99, 1)} ms  cpu ${fixed(result.cpuMicrosPerDelivery)} µs` +
            ` (main thread ${fixed(result.mainThreadMicrosPerDelivery)})` +
            `  clients ${fixed(result.clientCpuMicrosPerDelivery)} µs${incomplete}` +
            (result.serverStats ? `  ${JSON.stringify(result.serverStats)}` : ""),
        );
      }
    }
    const summary = new Map(
      KINDS.map((kind) => {
        const results = runs.get(kind) ?? [];
        return [
          kind,
          {
            rate: median(results.map((r) => r.deliveriesPerSecond)),
            p50: median(results.map((r) => r.p50)),
            p99: median(results.map((r) => r.p99)),
            cpu: median(results.map((r) => r.cpuMicrosPerDelivery)),
          },
        ];
      }),
    );
    console.log(
      `\n${subscribers} watchers × ${messages} messages (${subscribers * messages} deliveries per run), medians`,
    );
    console.log(
      `  ${"server".padEnd(14)} ${"deliveries/s".padStart(12)} ${"p50 ms".padStart(8)} ${"p99 ms".padStart(8)} ${"CPU µs/delivery".padStart(16)}`,
    );
    for (const [kind, s] of summary) {
      console.log(
        `  ${kind.padEnd(14)} ${fixed(s.rate, 0).padStart(12)} ${fixed(s.p50, 1).padStart(8)} ${fixed(s.p99, 1).padStart(8)} ${fixed(s.cpu).padStart(16)}`,
      );
    }
    const natter = summary.get("natter");
    for (const peer of ALL_KINDS) {
      if (peer === "natter") continue;
      const other = summary.get(peer);
      if (!natter || !other) continue;
      // Each repetition's two runs are minutes apart at most: their ratio moves less with the
      // machine's drift than the ratio of two medians taken over the whole run.
      const perRep = repRatios(runs.get("natter") ?? [], runs.get(peer) ?? []);
      console.log(
        `  natter / ${peer.padEnd(14)} CPU per delivery ${fixed(natter.cpu / other.cpu)}×, ` +
          `deliveries/s ${fixed(natter.rate / other.rate)}×, p99 ${fixed(natter.p99 / other.p99)}×` +
          (peer === "durable" ? ` (goal by deliveries/s ≥ ${DURABLE_GOALS[subscribers] ?? "n/a"})` : "") +
          `; deliveries/s per repetition ${perRep.map((ratio) => fixed(ratio)).join(", ")}, median ${fixed(median(perRep))}×`,
      );
    }
    console.log();
    for (const [kind, s] of summary) cpuByWatchers.get(kind)?.set(subscribers, s.cpu);
  }
  if (SUBSCRIBER_COUNTS.length < 2) return;
  // Why the ratios move with the room's size: a message costs its send once and its frame
  // once per watcher, so its CPU is about `send + N × delivery`, fitted over the counts run.
  console.log("server CPU per message ≈ send + watchers × delivery (least squares over the watcher counts, µs)");
  for (const [kind, byWatchers] of cpuByWatchers) {
    const { send, delivery } = sendAndDelivery(byWatchers);
    console.log(`  ${kind.padEnd(14)} send ${fixed(send, 0).padStart(6)}  delivery ${fixed(delivery).padStart(6)}`);
  }
}

/** natter's deliveries/s over the peer's in each repetition (both lists in repetition order). */
function repRatios(natter: readonly RunResult[], peer: readonly RunResult[]): number[] {
  return natter.flatMap((run, rep) => {
    const other = peer[rep];
    return other ? [run.deliveriesPerSecond / other.deliveriesPerSecond] : [];
  });
}

/** The line `cpu per message = send + watchers × delivery` nearest (least squares) to the medians measured. */
function sendAndDelivery(cpuPerDeliveryByWatchers: ReadonlyMap<number, number>): { send: number; delivery: number } {
  const points = [...cpuPerDeliveryByWatchers].map(([watchers, cpu]) => ({ x: watchers, y: cpu * watchers }));
  const meanX = points.reduce((sum, p) => sum + p.x, 0) / points.length;
  const meanY = points.reduce((sum, p) => sum + p.y, 0) / points.length;
  const covariance = points.reduce((sum, p) => sum + (p.x - meanX) * (p.y - meanY), 0);
  const variance = points.reduce((sum, p) => sum + (p.x - meanX) ** 2, 0);
  const delivery = covariance / variance;
  return { send: meanY - delivery * meanX, delivery };
}

const role = process.argv[2];
if (role === "serve-natter") await serveNatter();
else if (role === "serve-durable") await serveDurable(false);
else if (role === "serve-durable-full") await serveDurable(true);
else if (role === "serve-socketio") await serveSocketIO();
else if (role === "serve-ws-preframed") await serveBareWs(true);
else if (role === "serve-ws-naive") await serveBareWs(false);
else if (role === "watch") runWatchers();
else await main();
