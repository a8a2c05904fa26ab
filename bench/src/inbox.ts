/**
 * What an inbox delivery costs against a room watcher's. One natter on a SQLite file, one room
 * of WATCHERS members, each with a WebSocket of their own. Rounds alternate (interleaved): in a
 * "room" round every member watches the room (`rooms.events`), in an "inbox" round every member
 * watches their inbox (`users.events`) instead; a round sends MESSAGES messages one after the
 * other and times each from the send until every watcher holds it. The writes are the same in
 * both (every send writes its inbox entries whoever watches), so the difference is the
 * delivery path. Reported: the median time per message and per delivery of each, and the ratio;
 * and the process's CPU time per message of each (server and watchers share the process; the
 * watchers' part is one parse per delivery either way), which the machine's load moves far
 * less than time does. Timings on a loaded machine are not a benchmark: the ratios are what to read.
 *
 * INBOX_NODES=2: two nodes in this process on a new PostgreSQL database (INBOX_POSTGRES_URL,
 * default postgres://postgres@127.0.0.1:5432/test, dropped after) and Redis (INBOX_REDIS_URL,
 * default redis://127.0.0.1:6379, under a key prefix of its own): the sender posts to the
 * first, every watcher is on the second, so each delivery crosses Redis (a room event once
 * per message, an inbox entry once per member).
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { openDatabase } from "@natter/db";
import { createTRPCClient, createWSClient, wsLink } from "@trpc/client";
import { sql } from "kysely";
import { type AppRouter, loadConfig, startNatterServer } from "natter";
import WebSocket from "ws";
import { fetchJson } from "./natter-rest.js";
import { fixed, median } from "./stats.js";

const WATCHERS = Number(process.env.WATCHERS ?? 50);
const ROUNDS = Number(process.env.ROUNDS ?? 10);
const MESSAGES = Number(process.env.MESSAGES ?? 20);
/** `room` or `inbox` to run one kind only (a profile of one delivery path, `--cpu-prof`); both by default. */
const ONLY = process.env.ONLY;

const NODES = Number(process.env.INBOX_NODES ?? 1);
const POSTGRES_URL = process.env.INBOX_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const REDIS_URL = process.env.INBOX_REDIS_URL ?? "redis://127.0.0.1:6379";

const dir = mkdtempSync(join(tmpdir(), "natter-bench-inbox-"));
const maintenance = NODES > 1 ? openDatabase(POSTGRES_URL, { poolSize: 1 }) : undefined;
const postgresName = `natter_bench_inbox_${randomBytes(4).toString("hex")}`;
let databaseUrl = join(dir, "natter.db");
if (maintenance) {
  await sql`create database ${sql.id(postgresName)}`.execute(maintenance.db);
  const url = new URL(POSTGRES_URL);
  url.pathname = `/${postgresName}`;
  databaseUrl = url.toString();
}
const redis = NODES > 1 ? { redisUrl: REDIS_URL, redisPrefix: `natter-bench:${randomBytes(4).toString("hex")}:` } : {};
// One after the other: the first applies the migrations alone.
const servers: Awaited<ReturnType<typeof startNatterServer>>[] = [];
for (let i = 0; i < NODES; i++) {
  const config = loadConfig({ port: 0, databaseUrl, logLevel: "silent", rateLimits: "off", ...redis }, {});
  servers.push(await startNatterServer({ config }));
}
const server = servers[0] as (typeof servers)[number];
/** Where the watchers are: the last node. */
const watched = servers[servers.length - 1] as (typeof servers)[number];

const call = (method: string, path: string, token?: string, body?: unknown) =>
  fetchJson(server.url, method, path, token, body);

/** Waits until `done()` holds, checking every millisecond. */
async function until(done: () => boolean): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!done()) {
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

try {
  const users = await Promise.all(
    Array.from({ length: WATCHERS + 1 }, async (_, i) => {
      const { user, token } = await call("POST", "/users", undefined, {
        username: `bench_${process.pid}_${i}`,
        password: "correct horse battery",
      });
      return { id: user.id as string, token: token as string };
    }),
  );
  const [sender, ...watchers] = users as [(typeof users)[number], ...typeof users];
  const roomId = (await call("POST", "/rooms", sender.token, { name: "bench", memberIds: watchers.map((w) => w.id) }))
    .room.id as string;
  const sockets = watchers.map((watcher) => {
    const socket = createWSClient({
      url: `${watched.url.replace(/^http/, "ws")}/trpc`,
      WebSocket: WebSocket as unknown as typeof globalThis.WebSocket,
      connectionParams: { token: watcher.token },
    });
    return { socket, client: createTRPCClient<AppRouter>({ links: [wsLink({ client: socket })] }) };
  });
  /** The body of the last message each watcher received, by watcher. */
  let last = new Array<string>(WATCHERS).fill("");
  const allHold = (body: string) => last.every((seen) => seen === body);

  /** Subscribes every watcher one way, live from now; answers the unsubscribes once all are live. */
  async function watchAll(kind: "room" | "inbox", round: number) {
    last = new Array<string>(WATCHERS).fill("");
    const subscriptions = sockets.map(({ client }, w) => {
      const onData = ({ data }: { data: { type: string; preview?: string; message?: { body: string | null } } }) => {
        if (data.type === "message.created") last[w] = data.preview ?? data.message?.body ?? "";
      };
      return kind === "room"
        ? client.rooms.events.subscribe({ roomId }, { onData })
        : client.users.events.subscribe({}, { onData });
    });
    // A subscription is live a moment after it is acknowledged: send probes until every watcher heard one.
    for (let probe = 0; ; probe++) {
      const body = `probe ${round} ${probe}`;
      await call("POST", `/rooms/${roomId}/messages`, sender.token, { body });
      await new Promise((resolve) => setTimeout(resolve, 20));
      if (allHold(body)) break;
    }
    return () => {
      for (const subscription of subscriptions) subscription.unsubscribe();
    };
  }

  const perMessage = { room: [] as number[], inbox: [] as number[] };
  /** CPU µs of the whole process per message, one figure per round. */
  const cpuPerMessage = { room: [] as number[], inbox: [] as number[] };
  for (let round = 0; round < ROUNDS * 2; round++) {
    const kind = round % 2 === 0 ? "room" : "inbox";
    if (ONLY !== undefined && kind !== ONLY) continue;
    const stop = await watchAll(kind, round);
    const cpuBefore = process.cpuUsage();
    for (let m = 1; m <= MESSAGES; m++) {
      const body = `round ${round} message ${m}`;
      const started = performance.now();
      await call("POST", `/rooms/${roomId}/messages`, sender.token, { body });
      await until(() => allHold(body));
      perMessage[kind].push(performance.now() - started);
    }
    const cpu = process.cpuUsage(cpuBefore);
    cpuPerMessage[kind].push((cpu.user + cpu.system) / MESSAGES);
    stop();
  }
  const room = median(perMessage.room);
  const inbox = median(perMessage.inbox);
  const roomCpu = median(cpuPerMessage.room);
  const inboxCpu = median(cpuPerMessage.inbox);
  console.log(
    `inbox vs room watcher: ${WATCHERS} watchers, ${ROUNDS} rounds of ${MESSAGES} messages each, interleaved, ` +
      (NODES > 1 ? `${NODES} nodes (PostgreSQL, Redis; watchers on the last)` : "one node (SQLite)"),
  );
  console.log(
    `load average ${loadavg()
      .map((n) => fixed(n))
      .join(" ")} (a loaded machine: read the ratio)`,
  );
  console.log("| stream | send to all delivered, median ms | per delivery, µs | process CPU per message, median µs |");
  console.log("| --- | --- | --- | --- |");
  console.log(
    `| room watchers (rooms.events) | ${fixed(room)} | ${fixed((room * 1000) / WATCHERS, 0)} | ${fixed(roomCpu, 0)} |`,
  );
  console.log(
    `| inbox streams (users.events) | ${fixed(inbox)} | ${fixed((inbox * 1000) / WATCHERS, 0)} | ${fixed(inboxCpu, 0)} |`,
  );
  console.log(`inbox / room: ${fixed(inbox / room)}x by time, ${fixed(inboxCpu / roomCpu)}x by CPU`);
  for (const { socket } of sockets) socket.close();
} finally {
  for (const node of servers.reverse()) await node.close();
  if (maintenance) {
    await sql`drop database if exists ${sql.id(postgresName)} with (force)`.execute(maintenance.db);
    await maintenance.close();
  }
  rmSync(dir, { recursive: true, force: true });
}
