/**
 * What an inbox delivery costs the server against a room watcher's. One room of WATCHERS
 * members, each with a WebSocket of their own. Rounds alternate (interleaved): in a "room"
 * round every member watches the room (`rooms.events`), in an "inbox" round every member
 * watches their inbox (`users.events`) instead; a round sends MESSAGES messages one after the
 * other and times each from the send until every watcher holds it. The writes are the same in
 * both (every send writes its inbox entries whoever watches), so the difference is the
 * delivery path. Reported: the median time per message and per delivery of each, and the ratio;
 * and the server's CPU time per message of each: the server runs in a child process of its own
 * (its `process.cpuUsage()`, read over IPC before and after a round), apart from the sender and
 * the watchers (this process, reported beside it: a `@trpc/client` per watcher, whose parse of
 * a room event and of an inbox entry differ). CPU is moved far less than time by the
 * machine's load. Timings on a loaded machine are not a benchmark: the ratios are what to read.
 *
 * INBOX_NODES=2: two nodes in the server process on a new PostgreSQL database (INBOX_POSTGRES_URL,
 * default postgres://postgres@127.0.0.1:5432/test, dropped after) and Redis (INBOX_REDIS_URL,
 * default redis://127.0.0.1:6379, under a key prefix of its own): the sender posts to the
 * first, every watcher is on the second, so each delivery crosses Redis (a room event once
 * per message; a message's inbox entries for all members once per message too, one batch on
 * the inbox channel, where a checkout before it published once per member).
 * INBOX_SPLIT=1 (with INBOX_NODES=2 or more): the sender's node runs in a process of its own
 * (started first, unmeasured), the other nodes in the measured one: its CPU, and a profile
 * or callgrind of it, are then the receiving node's alone, where one process of both nodes
 * counts the send's own cost (the same in both kinds) beside the deliveries'.
 *
 * INBOX_BEFORE=<checkout>: that checkout's natter (its `server/src`, with its own dependencies)
 * is measured too, in a server process and on a database of its own, its rounds interleaved
 * with this checkout's: "natter before". INBOX_SERVER_NODE_FLAGS="--cpu-prof --cpu-prof-dir=DIR"
 * profiles the server processes alone (ONLY=room or ONLY=inbox: one delivery path), and each
 * writes `marks.<pid>.json` beside its profile: where each kind's measured rounds began and
 * ended, so that `src/cpu-profile-summary.ts <profile> --marks <that file> --window inbox` (or
 * `room`) counts those rounds' samples alone, set-up and probes left out. Also reported: the
 * server's user and system CPU and context switches per message, and the watchers' switches
 * (the kernel's side of a delivery: a socket write on loopback does the receiver's TCP work
 * and wakes it, in the server's system time); per round, medians: the server's main thread's
 * CPU (`/proc`'s schedstat, to the ns) and the rest, its worker threads'; and the server's CPU
 * in each round's second half alone, where its streams are past their start (a stream's first
 * few dozen messages cost more: the GC promotes what subscribing made, and code optimised
 * through the other kind's round is optimised again). The one
 * step an inbox delivery pays and a room watcher's does not (its frame, built per user), alone
 * and by instruction counts: `src/inbox-frame.ts`.
 *
 * INBOX_CALLGRIND=<dir>: the measured server process runs under `valgrind --tool=callgrind
 * --instr-atstart=no` (one file per thread), counting only while messages are measured after
 * INBOX_CALLGRIND_WARMUP rounds (default 8: V8's optimised code and the heap settled), with a
 * dump after each kind's round; reported: its main thread's instructions per message of each
 * kind, per round and their median (what the machine's load does not move; the times and CPU
 * of such a run are valgrind's). With INBOX_SPLIT=1 that is the receiving node's alone.
 *
 * INBOX_PERF=<prefix>: `perf record -e cpu-clock` of the measured server while each kind's
 * messages are measured after INBOX_PERF_WARMUP rounds (default 6), one file per subject and
 * kind (`<prefix>.natter.inbox.data`): its time on a CPU by function, the kernel's included,
 * which instruction counts do not show (a cache miss is one instruction). With
 * INBOX_SERVER_NODE_FLAGS=--perf-basic-prof, `perf report --sort sym` names V8's compiled code.
 */

import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { openDatabase } from "@natter/db";
import { createTRPCClient, createWSClient, type TRPCClient, wsLink } from "@trpc/client";
import { sql } from "kysely";
import type { AppRouter } from "natter";
import WebSocket from "ws";
import { callgrindControl, callgrindTotal, callgrindWrapper } from "./callgrind.js";
import { fetchJson } from "./natter-rest.js";
import { PerfRecording } from "./perf-record.js";
import { type Scheduling, schedulingOf } from "./process-cpu.js";
import { BenchChild, serveChild } from "./server-process.js";
import { fixed, median } from "./stats.js";

const WATCHERS = Number(process.env.WATCHERS ?? 50);
const ROUNDS = Number(process.env.ROUNDS ?? 10);
const MESSAGES = Number(process.env.MESSAGES ?? 20);
/**
 * The first message of a round's second half: from here a round's streams are past their
 * start, whose cost (the garbage collector promoting what subscribing made, code optimised
 * for the other kind of round re-optimised) falls on their first few dozen messages.
 */
const STEADY_FROM = Math.floor(MESSAGES / 2) + 1;
/** `room` or `inbox` to run one kind only (a profile of one delivery path, `--cpu-prof`); both by default. */
const ONLY = process.env.ONLY;
const BEFORE = process.env.INBOX_BEFORE;

const NODES = Number(process.env.INBOX_NODES ?? 1);
const SPLIT = NODES > 1 && process.env.INBOX_SPLIT === "1";
const POSTGRES_URL = process.env.INBOX_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const REDIS_URL = process.env.INBOX_REDIS_URL ?? "redis://127.0.0.1:6379";
const CALLGRIND = process.env.INBOX_CALLGRIND;
const CALLGRIND_WARMUP = Number(process.env.INBOX_CALLGRIND_WARMUP ?? 8);
const PERF = process.env.INBOX_PERF;
const PERF_WARMUP = Number(process.env.INBOX_PERF_WARMUP ?? 6);
/**
 * INBOX_PIN=1: the measured server on CPU 1 alone, this process (the watchers) and the sender's
 * node on CPU 0, so that the server's CPU time is not the watchers' contention (`taskset`;
 * PostgreSQL and Redis stay where the kernel puts them).
 */
const PIN = process.env.INBOX_PIN === "1";

/** What the server process is told by its environment: its database, Redis, and which natter. */
interface ServeOptions {
  databaseUrl: string;
  redis: { redisUrl?: string; redisPrefix?: string };
  /** The natter entry to import (another checkout's `server/src/index.ts`); none: this one's. */
  entry?: string;
}

/**
 * The server process: `nodes` natter nodes one after another (the first applies the
 * migrations alone) on one database; announces their URLs, the sender's node first.
 */
async function serve(nodes: number): Promise<void> {
  const { databaseUrl, redis, entry } = JSON.parse(process.env.INBOX_SERVE as string) as ServeOptions;
  const natter = (entry ? await import(pathToFileURL(entry).href) : await import("natter")) as typeof import("natter");
  const servers: Awaited<ReturnType<typeof natter.startNatterServer>>[] = [];
  for (let i = 0; i < nodes; i++) {
    const config = natter.loadConfig({ port: 0, databaseUrl, logLevel: "silent", rateLimits: "off", ...redis }, {});
    servers.push(await natter.startNatterServer({ config }));
  }
  serveChild(
    servers.map((server) => server.url),
    {
      stop: async () => {
        for (const node of servers.reverse()) await node.close();
      },
    },
  );
}

/** Waits until `done()` holds, checking every millisecond. */
async function until(done: () => boolean): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!done()) {
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

type Kind = "room" | "inbox";

/** One natter under test: its server process, its room, its sender and its watchers' clients. */
interface Subject {
  name: string;
  server: BenchChild<string[]>;
  send(body: string): Promise<unknown>;
  roomId: string;
  clients: TRPCClient<AppRouter>[];
  close(): void;
}

/** Starts a server process on a database of its own, then makes the room, its members and their sockets. */
async function subject(name: string, entry: string | undefined, cleanups: (() => Promise<void>)[]): Promise<Subject> {
  const dir = mkdtempSync(join(tmpdir(), "natter-bench-inbox-"));
  cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
  let databaseUrl = join(dir, "natter.db");
  if (NODES > 1) {
    const maintenance = openDatabase(POSTGRES_URL, { poolSize: 1 });
    const postgresName = `natter_bench_inbox_${randomBytes(4).toString("hex")}`;
    await sql`create database ${sql.id(postgresName)}`.execute(maintenance.db);
    cleanups.push(async () => {
      await sql`drop database if exists ${sql.id(postgresName)} with (force)`.execute(maintenance.db);
      await maintenance.close();
    });
    const url = new URL(POSTGRES_URL);
    url.pathname = `/${postgresName}`;
    databaseUrl = url.toString();
  }
  const redis =
    NODES > 1 ? { redisUrl: REDIS_URL, redisPrefix: `natter-bench:${randomBytes(4).toString("hex")}:` } : {};
  const options: ServeOptions = { databaseUrl, redis, ...(entry && { entry }) };
  const nodeFlags = process.env.INBOX_SERVER_NODE_FLAGS?.split(" ").filter(Boolean) ?? [];
  /** A profile's directory: the server writes its measured windows' marks beside its profiles. */
  const profileDir = nodeFlags.find((flag) => flag.startsWith("--cpu-prof-dir="))?.slice("--cpu-prof-dir=".length);
  /** With INBOX_SPLIT, the sender's node, in a process of its own. */
  const sending = SPLIT
    ? await BenchChild.start<string[]>(import.meta.url, ["serve-sender"], { INBOX_SERVE: JSON.stringify(options) })
    : undefined;
  if (sending) cleanups.push(() => sending.stop());
  const server = await BenchChild.start<string[]>(
    import.meta.url,
    ["serve"],
    { INBOX_SERVE: JSON.stringify(options), ...(profileDir && { BENCH_MARKS_DIR: profileDir }) },
    nodeFlags,
    [
      ...(PIN ? ["taskset", "-c", "1"] : []),
      ...(CALLGRIND ? callgrindWrapper(join(CALLGRIND, `${name.replaceAll(" ", "-")}-%p.out`)) : []),
    ],
  );
  cleanups.push(() => server.stop());
  const [senderUrl] = (sending ?? server).info as [string];
  /** Where the watchers are: the last node. */
  const watchedUrl = server.info[server.info.length - 1] as string;
  const call = (method: string, path: string, token?: string, body?: unknown) =>
    fetchJson(senderUrl, method, path, token, body);
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
  const sockets = watchers.map((watcher) =>
    createWSClient({
      url: `${watchedUrl.replace(/^http/, "ws")}/trpc`,
      WebSocket: WebSocket as unknown as typeof globalThis.WebSocket,
      connectionParams: { token: watcher.token },
    }),
  );
  return {
    name,
    server,
    send: (body) => call("POST", `/rooms/${roomId}/messages`, sender.token, { body }),
    roomId,
    clients: sockets.map((socket) => createTRPCClient<AppRouter>({ links: [wsLink({ client: socket })] })),
    close: () => {
      for (const socket of sockets) socket.close();
    },
  };
}

/** The body of the last message each watcher received, by watcher. */
let last = new Array<string>(WATCHERS).fill("");
const allHold = (body: string) => last.every((seen) => seen === body);

/** Subscribes every watcher one way, live from now; answers the unsubscribes once all are live. */
async function watchAll({ clients, roomId, send }: Subject, kind: Kind, round: number) {
  last = new Array<string>(WATCHERS).fill("");
  let stopped = false;
  const subscribe = (client: Subject["clients"][number], w: number): { unsubscribe(): void } => {
    const onData = ({ data }: { data: { type: string; preview?: string; message?: { body: string | null } } }) => {
      if (data.type === "message.created") last[w] = data.preview ?? data.message?.body ?? "";
    };
    // Refused for now (503 UNAVAILABLE: under valgrind, e.g. a Redis SUBSCRIBE of the receiving node
    // outlasting its 1 s command timeout): subscribe again after the server's Retry-After, as a client
    // would. Not retried, the watcher never heard a probe and the loop below waited forever.
    const onError = (error: unknown) => {
      console.error(
        `watcher ${w}'s ${kind} subscription failed in round ${round} (${String(error)}): subscribing again`,
      );
      setTimeout(() => {
        if (!stopped) subscriptions[w] = subscribe(client, w);
      }, 2_000);
    };
    return kind === "room"
      ? client.rooms.events.subscribe({ roomId }, { onData, onError })
      : client.users.events.subscribe({}, { onData, onError });
  };
  const subscriptions = clients.map(subscribe);
  // A subscription is live a moment after it is acknowledged: send probes until every watcher heard one.
  for (let probe = 0; ; probe++) {
    const body = `probe ${round} ${probe}`;
    await send(body);
    // Under callgrind the server is some fifty times slower: fewer probes to wait behind.
    await new Promise((resolve) => setTimeout(resolve, CALLGRIND ? 500 : 20));
    if (allHold(body)) break;
  }
  return () => {
    stopped = true;
    for (const subscription of subscriptions) subscription.unsubscribe();
  };
}

/**
 * Per kind: the time of each message, and per round the server's and the watchers' CPU µs per
 * message; over all rounds, what the scheduler counted of the server process and of this one
 * (the watchers') while messages were measured, summed (its CPU times count in clock ticks, too
 * coarse for one round).
 */
interface Figures {
  time: number[];
  serverCpu: number[];
  /** Per round, the server's main thread's time on a CPU per message (the rest of `serverCpu` is its worker threads'). */
  serverMainThread: number[];
  /**
   * Per round, the server's CPU per message of its second half: its streams past their start
   * (their first messages pay for being set up, `STEADY_FROM`).
   */
  serverCpuSteady: number[];
  watcherCpu: number[];
  server: Scheduling;
  watchers: Scheduling;
  messages: number;
  /** Per counted round, the server main thread's instructions per message (INBOX_CALLGRIND). */
  instructions: number[];
}

/** Adds what the scheduler counted between `before` and `after` to `into`. */
function addScheduling(into: Scheduling, before: Scheduling, after: Scheduling): void {
  into.user += after.user - before.user;
  into.system += after.system - before.system;
  into.switches += after.switches - before.switches;
  into.mainThread += after.mainThread - before.mainThread;
}

async function main(): Promise<void> {
  // Before any child starts: they inherit it, all but the measured server (`subject`).
  if (PIN) execFileSync("taskset", ["-a", "-p", "-c", "0", String(process.pid)], { stdio: "ignore" });
  const cleanups: (() => Promise<void>)[] = [];
  const subjects: Subject[] = [];
  const figures = new Map<string, Figures>();
  const recordings = new Map<string, PerfRecording>();
  const perfOf = (each: Subject, kind: Kind): PerfRecording => {
    const key = `${each.name.replaceAll(" ", "-")}.${kind}`;
    let recording = recordings.get(key);
    if (recording === undefined) {
      const started = new PerfRecording(each.server.pid, `${PERF}.${key}.data`);
      cleanups.push(() => started.stop());
      recordings.set(key, started);
      recording = started;
    }
    return recording;
  };
  try {
    subjects.push(await subject("natter", undefined, cleanups));
    if (BEFORE) subjects.push(await subject("natter before", join(BEFORE, "server/src/index.ts"), cleanups));
    const kinds = (["room", "inbox"] as const).filter((kind) => ONLY === undefined || kind === ONLY);
    for (const each of subjects)
      for (const kind of kinds) {
        figures.set(`${each.name} ${kind}`, {
          time: [],
          serverCpu: [],
          serverMainThread: [],
          serverCpuSteady: [],
          watcherCpu: [],
          server: { user: 0, system: 0, switches: 0, mainThread: 0 },
          watchers: { user: 0, system: 0, switches: 0, mainThread: 0 },
          messages: 0,
          instructions: [],
        });
      }
    for (let round = 0; round < ROUNDS; round++) {
      for (const each of subjects) {
        for (const kind of kinds) {
          const into = figures.get(`${each.name} ${kind}`) as Figures;
          const stop = await watchAll(each, kind, round);
          await each.server.mark(`${kind} start`);
          const schedulingBefore = { server: schedulingOf([each.server.pid]), watchers: schedulingOf([process.pid]) };
          const serverBefore = await each.server.cpuMicros();
          const ownBefore = process.cpuUsage();
          const counted = CALLGRIND !== undefined && round >= CALLGRIND_WARMUP;
          if (counted) callgrindControl(each.server.pid, "-i", "on");
          const recording = PERF !== undefined && round >= PERF_WARMUP ? perfOf(each, kind) : undefined;
          recording?.enable();
          let steadyFrom = 0;
          for (let m = 1; m <= MESSAGES; m++) {
            if (m === STEADY_FROM) steadyFrom = await each.server.cpuMicros();
            const body = `round ${round} ${kind} message ${m}`;
            const started = performance.now();
            await each.send(body);
            await until(() => allHold(body));
            into.time.push(performance.now() - started);
          }
          recording?.disable();
          if (counted) {
            callgrindControl(each.server.pid, "-i", "off");
            callgrindControl(each.server.pid, "-d");
            into.instructions.push(mainThreadInstructions(each) / MESSAGES);
          }
          const own = process.cpuUsage(ownBefore);
          const serverAfterCpu = await each.server.cpuMicros();
          into.serverCpu.push((serverAfterCpu - serverBefore) / MESSAGES);
          into.serverCpuSteady.push((serverAfterCpu - steadyFrom) / (MESSAGES - STEADY_FROM + 1));
          into.watcherCpu.push((own.user + own.system) / MESSAGES);
          const serverAfter = schedulingOf([each.server.pid]);
          into.serverMainThread.push((serverAfter.mainThread - schedulingBefore.server.mainThread) / MESSAGES);
          addScheduling(into.server, schedulingBefore.server, serverAfter);
          addScheduling(into.watchers, schedulingBefore.watchers, schedulingOf([process.pid]));
          into.messages += MESSAGES;
          await each.server.mark(`${kind} end`);
          stop();
        }
      }
    }
    console.log(
      `inbox vs room watcher: ${WATCHERS} watchers, ${ROUNDS} rounds of ${MESSAGES} messages each, interleaved, ` +
        (NODES > 1 ? `${NODES} nodes (PostgreSQL, Redis; watchers on the last)` : "one node (SQLite)") +
        (SPLIT ? "; server CPU: the receiving node's process alone (the sender's node in another)" : ""),
    );
    console.log(
      `load average ${loadavg()
        .map((n) => fixed(n))
        .join(" ")} (a loaded machine: read the ratio)`,
    );
    console.log(
      "| natter | stream | send to all delivered, median ms | per delivery, µs | server CPU per message, median µs | per delivery, µs | sender and watchers' CPU per message, µs |",
    );
    console.log("| --- | --- | --- | --- | --- | --- | --- |");
    const medians = (key: string) => {
      const f = figures.get(key);
      return f
        ? {
            time: median(f.time),
            server: median(f.serverCpu),
            steady: median(f.serverCpuSteady),
            mainThread: median(f.serverMainThread),
            otherThreads: median(f.serverCpu.map((cpu, round) => cpu - (f.serverMainThread[round] as number))),
            watchers: median(f.watcherCpu),
          }
        : {
            time: Number.NaN,
            server: Number.NaN,
            steady: Number.NaN,
            mainThread: Number.NaN,
            otherThreads: Number.NaN,
            watchers: Number.NaN,
          };
    };
    for (const { name } of subjects) {
      for (const kind of kinds) {
        const m = medians(`${name} ${kind}`);
        const stream = kind === "room" ? "room watchers (rooms.events)" : "inbox streams (users.events)";
        console.log(
          `| ${name} | ${stream} | ${fixed(m.time)} | ${fixed((m.time * 1000) / WATCHERS, 0)} | ${fixed(m.server, 0)} | ` +
            `${fixed(m.server / WATCHERS, 1)} | ${fixed(m.watchers, 0)} |`,
        );
      }
    }
    console.log(
      "| natter | stream | server user CPU per message, µs | server system CPU per message, µs | of which the server's main thread, µs | server main thread's context switches per message | watchers' (this process's) per message |",
    );
    console.log("| --- | --- | --- | --- | --- | --- | --- |");
    for (const { name } of subjects) {
      for (const kind of kinds) {
        const f = figures.get(`${name} ${kind}`) as Figures;
        const per = (n: number, digits = 0) => fixed(n / f.messages, digits);
        console.log(
          `| ${name} | ${kind} | ${per(f.server.user)} | ${per(f.server.system)} | ${per(f.server.mainThread)} | ${per(f.server.switches, 1)} | ${per(f.watchers.switches, 1)} |`,
        );
      }
    }
    if (CALLGRIND) {
      for (const { name } of subjects) {
        for (const kind of kinds) {
          const counts = (figures.get(`${name} ${kind}`) as Figures).instructions;
          console.log(
            `${name} ${kind}: main thread instructions per message, median ${fixed(median(counts), 0)} ` +
              `(rounds: ${counts.map((n) => fixed(n, 0)).join(", ")})`,
          );
        }
        const ratio =
          median((figures.get(`${name} inbox`) as Figures | undefined)?.instructions ?? []) /
          median((figures.get(`${name} room`) as Figures | undefined)?.instructions ?? []);
        console.log(`${name}: inbox / room ${fixed(ratio)}x by main thread instructions`);
      }
    }
    for (const { name } of subjects) {
      const room = medians(`${name} room`);
      const inbox = medians(`${name} inbox`);
      console.log(
        `${name}: inbox / room ${fixed(inbox.time / room.time)}x by time, ${fixed(inbox.server / room.server)}x by server CPU`,
      );
      console.log(
        `${name}: inbox / room ${fixed(inbox.steady / room.steady)}x by server CPU in each round's second half ` +
          `(messages ${STEADY_FROM}-${MESSAGES}: ${fixed(room.steady, 0)} µs and ${fixed(inbox.steady, 0)} µs a message)`,
      );
      console.log(
        `${name}: server CPU per message, medians: main thread ${fixed(room.mainThread, 0)} µs (room) and ` +
          `${fixed(inbox.mainThread, 0)} µs (inbox), ${fixed(inbox.mainThread / room.mainThread)}x; ` +
          `worker threads ${fixed(room.otherThreads, 0)} µs and ${fixed(inbox.otherThreads, 0)} µs`,
      );
    }
    for (const each of subjects) each.close();
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup();
  }
}

/** The main thread's instructions in the subject's newest dump (`callgrind_control -d`, whose dumps are numbered). */
function mainThreadInstructions(subject: Subject): number {
  const dir = CALLGRIND as string;
  const prefix = `${subject.name.replaceAll(" ", "-")}-${subject.server.pid}.out.`;
  const dumps = readdirSync(dir)
    .filter((file) => file.startsWith(prefix) && file.endsWith("-01"))
    .sort((a, b) => Number(a.slice(prefix.length, -3)) - Number(b.slice(prefix.length, -3)));
  const newest = dumps[dumps.length - 1];
  if (newest === undefined) return Number.NaN;
  return callgrindTotal(join(dir, newest));
}

if (process.argv[2] === "serve") await serve(SPLIT ? NODES - 1 : NODES);
else if (process.argv[2] === "serve-sender") await serve(1);
else await main();
