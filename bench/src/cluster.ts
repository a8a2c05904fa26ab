/**
 * Cluster fan-out: 1,000 watchers of one room, spread over 3 natter nodes that share one
 * PostgreSQL database and one Redis, against the same watchers on a single node (with
 * Redis, and without it: the in-process bus). Messages are sent over REST, round-robin over
 * the nodes as a load balancer would. Every node, and the watchers, run in processes of
 * their own; runs are interleaved (the order rotates each repetition) and the table shows
 * medians: deliveries per second, send-to-receive p50/p99, and the CPU time per delivery of
 * the nodes, of Redis and of the PostgreSQL backends serving the nodes, which says which
 * part is the limit. (Redis's CPU is its whole process's, shared with this machine's other
 * clients, at /proc's 10 ms resolution.) Beside them, the PostgreSQL statements the nodes ran per
 * message: a cluster splits the sends that group commit would join on one node, and each node
 * polls its outboxes and its log tail on its own clock, which costs per message what it costs per second.
 *
 *   npm run bench:cluster
 *   CLUSTER_WATCHERS=1000 CLUSTER_DELIVERIES=30000 CLUSTER_REPS=2 npm run bench:cluster
 *
 * To see what each node does per message, CLUSTER_NODE_PROFILES=<dir> writes a V8 CPU profile
 * of every node to <dir>/<setup>/node<i>/ (the largest file is the node's main thread; node 0 takes the first of each round of
 * sends; `bench/src/cpu-profile-summary.ts` summarises them); CLUSTER_PERF=<dir> instead records the
 * nodes' CPU samples over the measured messages only with `perf record` (see `perfRecord`); CLUSTER_SETUPS picks setups by
 * name (comma-separated, such as "1 node + Redis,3 nodes + Redis"); CLUSTER_NODE_FLAGS adds node flags to every
 * node (such as "--trace-opt --trace-deopt", which print to the bench's output).
 *
 * CLUSTER_CALLGRIND=<dir> runs each setup's node 0 under `valgrind --tool=callgrind
 * --instr-atstart=no` (the other nodes as usual) and counts its instructions over the measured
 * messages only, a figure the machine's load does not move: one file a thread in
 * <dir>/<setup>-<pid>.out-NN, the main thread's `-01`. The bench prints node 0's instructions per
 * message, of its main thread and of all its threads; three times a node of three's against the
 * one node's is the cluster's ratio (the nodes are alike: same sends, same watchers). V8's
 * compiler and GC threads do their work in bursts, so one burst more or less in a window of 30
 * messages moves the all-threads figure by half; CLUSTER_DELIVERIES=150000 (150 messages)
 * steadies it. Under valgrind node 0 runs tens of times slower (1,000 watchers, 30 messages: a
 * few minutes a setup), so more of the other nodes' events wait out `SeqOrder`'s hold.
 *
 * CLUSTER_BEFORE=<checkout>: that checkout's natter (built: its `server/dist`) is measured too, as
 * "1 node + Redis (before)" and "3 nodes + Redis (before)", on a database of its own, its runs
 * interleaved with this checkout's: the cluster's ratio before and after in one run.
 *
 * Needs PostgreSQL (CLUSTER_POSTGRES_URL, default postgres://postgres@127.0.0.1:5432/test,
 * where it makes and drops a database of its own) and Redis (CLUSTER_REDIS_URL, default
 * redis://127.0.0.1:6379, under a key prefix of its own).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { type Database, openDatabase } from "@natter/db";
import { type Kysely, sql } from "kysely";
import { callgrindControl, callgrindTotal, callgrindWrapper } from "./callgrind.js";
import { postJson } from "./natter-rest.js";
import { backendsOf, cpuSpent, pidsNamed, processCpuMicros, type Scheduling, schedulingOf } from "./process-cpu.js";
import { BenchChild, epochMs, serveChild } from "./server-process.js";
import { fixed, median } from "./stats.js";
import { deliveryTotals, runWatchers, type WatcherCommand } from "./watchers.js";

const WATCHERS = Number(process.env.CLUSTER_WATCHERS ?? 1000);
const DELIVERIES = Number(process.env.CLUSTER_DELIVERIES ?? 30_000);
const REPS = Number(process.env.CLUSTER_REPS ?? 2);
const SENDERS = Number(process.env.CLUSTER_SENDERS ?? 4);
/**
 * Messages sent (and delivered to every watcher) per node before the measured ones, so that
 * every node has compiled its hot paths: each node of a cluster pays V8's warm-up once, and
 * over a short measured run three warm-ups would pass for a cost of every message. Per node:
 * V8 optimises a function once it has run often enough, and the sends of a cluster are split
 * over its nodes, so with the same total a node of three has run its send path a third as
 * often (100 in all left the send path's prepared-query runner unoptimised on every node of
 * three through the measured messages, where the one node had optimised it; `--trace-opt`).
 */
const WARM_MESSAGES = Number(process.env.CLUSTER_WARM_MESSAGES ?? 100);
const WATCHER_PROCESSES = Number(process.env.CLUSTER_WATCHER_PROCESSES ?? 2);
const POSTGRES_URL = process.env.CLUSTER_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const REDIS_URL = process.env.CLUSTER_REDIS_URL ?? "redis://127.0.0.1:6379";
const RUN_DEADLINE_MS = 120_000;
const FILLER = " the quick brown fox jumps over the lazy dog while the team ships the next release";
const MODULE = import.meta.url;
const PROFILES = process.env.CLUSTER_NODE_PROFILES;
const PERF = process.env.CLUSTER_PERF;
const CALLGRIND = process.env.CLUSTER_CALLGRIND;
/** A built checkout of another commit whose natter is measured too. */
const BEFORE = process.env.CLUSTER_BEFORE;

interface Setup {
  name: string;
  nodes: number;
  redis: boolean;
  /** Whether its nodes run CLUSTER_BEFORE's natter. */
  before?: boolean;
}
const ALL_SETUPS: readonly Setup[] = [
  { name: "1 node", nodes: 1, redis: false },
  { name: "1 node + Redis", nodes: 1, redis: true },
  { name: "3 nodes + Redis", nodes: 3, redis: true },
  ...(BEFORE === undefined
    ? []
    : [
        { name: "1 node + Redis (before)", nodes: 1, redis: true, before: true },
        { name: "3 nodes + Redis (before)", nodes: 3, redis: true, before: true },
      ]),
];
const PICKED = process.env.CLUSTER_SETUPS?.split(",").map((name) => name.trim());
const SETUPS = ALL_SETUPS.filter((setup) => !PICKED || PICKED.includes(setup.name));

/**
 * Node flags writing node `index`'s CPU profile of `setup`, or naming its compiled code for `perf`, when asked for,
 * and those of `CLUSTER_NODE_FLAGS`.
 */
function profileFlags(setup: Setup, index: number): string[] {
  const extra = process.env.CLUSTER_NODE_FLAGS?.split(" ").filter(Boolean) ?? [];
  if (PERF) return ["--perf-basic-prof", ...extra];
  if (!PROFILES) return extra;
  // A directory per node: tsx's loader thread writes a profile of its own beside the node's.
  const dir = join(PROFILES, fileNameOf(setup), `node${index}`);
  return ["--cpu-prof", `--cpu-prof-dir=${dir}`, ...extra];
}

/**
 * A node: natter on the shared database, with Redis when `CLUSTER_NODE_REDIS_PREFIX` is set;
 * the natter of `CLUSTER_NODE_ENTRY` (another checkout's built entry) when that is set.
 */
async function serveNode(): Promise<void> {
  const prefix = process.env.CLUSTER_NODE_REDIS_PREFIX;
  const entry = process.env.CLUSTER_NODE_ENTRY;
  const { loadConfig, startNatterServer } = (
    entry ? await import(pathToFileURL(entry).href) : await import("natter")
  ) as typeof import("natter");
  const uploadsDir = mkdtempSync(join(tmpdir(), "natter-cluster-"));
  const server = await startNatterServer({
    // A benchmark sends far faster than a person: the write rates would measure themselves.
    config: loadConfig(
      {
        port: 0,
        databaseUrl: process.env.CLUSTER_NODE_DATABASE_URL,
        uploadsDir,
        logLevel: "silent",
        rateLimits: "off",
        ...(prefix && { redisUrl: REDIS_URL, redisPrefix: prefix }),
      },
      {},
    ),
  });
  serveChild(server.url, {
    stats: () => server.webSocketStats(),
    stop: async () => {
      await server.close();
      rmSync(uploadsDir, { recursive: true, force: true });
    },
  });
}

interface RunResult {
  setup: Setup;
  delivered: number;
  expected: number;
  deliveriesPerSecond: number;
  p50: number;
  p99: number;
  nodesCpu: number;
  redisCpu: number;
  postgresCpu: number;
  /**
   * Statements the nodes ran per message sent (`statementsRun`): the sends' own (fewer where
   * group commit joins sends that arrive together on one node) and everything the nodes run on
   * their own clocks (outbox polls, the log tail, cache refreshes).
   */
  statements: number;
  /** Per message sent: the nodes' user and system CPU (µs) and context switches, and the watchers' switches. */
  nodesScheduling: Scheduling;
  watcherSwitches: number;
  /** Node 0's pid, when it ran under callgrind (its counts are read once it has exited). */
  callgrindPid?: number;
}

async function run(setup: Setup, database: BenchDatabase, messages: number): Promise<RunResult> {
  const databaseUrl = database.url;
  const prefix = `natter-bench:${randomBytes(4).toString("hex")}:`;
  const env = {
    CLUSTER_NODE_DATABASE_URL: databaseUrl,
    ...(setup.redis && { CLUSTER_NODE_REDIS_PREFIX: prefix }),
    ...(setup.before && { CLUSTER_NODE_ENTRY: `${BEFORE}/server/dist/index.js` }),
  };
  // One after the other: the first applies any migration alone.
  const nodes: BenchChild<string>[] = [];
  for (let i = 0; i < setup.nodes; i += 1) {
    const wrapper = CALLGRIND && i === 0 ? callgrindWrapper(join(CALLGRIND, `${fileNameOf(setup)}-%p.out`)) : [];
    nodes.push(await BenchChild.start<string>(MODULE, ["serve-node"], env, profileFlags(setup, i), wrapper));
  }
  const watchers = await Promise.all(
    Array.from({ length: WATCHER_PROCESSES }, () => BenchChild.start<null>(MODULE, ["watch"])),
  );
  const urls = nodes.map((node) => node.info);
  const nodeUrl = (i: number) => urls[i % urls.length] as string;
  const sum = async (command: WatcherCommand) =>
    (await Promise.all(watchers.map((w) => w.command<number>(command)))).reduce((a, b) => a + b, 0);
  try {
    const owner = await postJson(nodeUrl(0), "/users", {
      username: `cluster_${randomBytes(4).toString("hex")}`,
      password: "bench password",
    });
    const { room } = await postJson(nodeUrl(0), "/rooms", { name: "cluster fan-out", open: true }, owner.token);
    const send = (i: number, body: string) => postJson(nodeUrl(i), `/rooms/${room.id}/messages`, { body }, owner.token);
    // Watcher w subscribes through node n for its share of the pairs (w, n).
    const pairs = watchers.flatMap((watcher, w) => urls.map((url, n) => ({ watcher, url, slot: w * urls.length + n })));
    await Promise.all(
      pairs.map(({ watcher, url, slot }) => {
        const count = Math.floor(WATCHERS / pairs.length) + (slot < WATCHERS % pairs.length ? 1 : 0);
        return watcher.command({ type: "connect", kind: "natter", url, count, roomId: room.id });
      }),
    );
    const warmDeadline = performance.now() + RUN_DEADLINE_MS;
    for (let i = 0; (await sum({ type: "heard" })) < WATCHERS; i += 1) {
      if (performance.now() > warmDeadline) throw new Error(`${setup.name}: not every watcher is live`);
      await send(i, `warm-up${FILLER}`);
    }
    const sendAll = async (count: number) => {
      let next = 0;
      await Promise.all(
        Array.from({ length: SENDERS }, async () => {
          while (next < count) {
            const index = next++;
            await send(index, `#${index}@${epochMs().toFixed(3)}${FILLER}`);
          }
        }),
      );
    };
    const delivered = async (expected: number) => {
      const deadline = performance.now() + RUN_DEADLINE_MS;
      while ((await sum({ type: "progress" })) < expected && performance.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    };
    await sum({ type: "measure" });
    const warm = WARM_MESSAGES * setup.nodes;
    await sendAll(warm);
    await delivered(WATCHERS * warm);
    await sum({ type: "measure" });
    const cpu = async () => ({
      nodes: (await Promise.all(nodes.map((node) => node.cpuMicros()))).reduce((a, b) => a + b, 0),
      redis: processCpuMicros(pidsNamed("redis-server")),
      postgres: processCpuMicros(await backendsOf(database.maintenance, database.name)),
      nodesScheduling: schedulingOf(nodes.map((node) => node.pid)),
      watchersScheduling: schedulingOf(watchers.map((watcher) => watcher.pid)),
    });
    const perf = PERF ? await perfRecord(setup, nodes) : undefined;
    const statementsBefore = await statementsRun(urls);
    if (CALLGRIND) callgrindControl((nodes[0] as BenchChild<string>).pid, "-i", "on");
    const before = await cpu();
    const firstSend = epochMs();
    await sendAll(messages);
    const expected = WATCHERS * messages;
    await delivered(expected);
    const after = await cpu();
    if (perf) await stopPerf(perf);
    if (CALLGRIND) callgrindControl((nodes[0] as BenchChild<string>).pid, "-i", "off");
    const statements = (await statementsRun(urls)) - statementsBefore;
    const totals = await deliveryTotals(watchers, firstSend);
    const count = totals.delivered;
    return {
      setup,
      ...(CALLGRIND && { callgrindPid: nodes[0]?.pid }),
      ...totals,
      expected,
      nodesCpu: (after.nodes - before.nodes) / count,
      redisCpu: cpuSpent(before.redis, after.redis) / count,
      postgresCpu: cpuSpent(before.postgres, after.postgres) / count,
      statements: statements / messages,
      nodesScheduling: {
        user: (after.nodesScheduling.user - before.nodesScheduling.user) / messages,
        system: (after.nodesScheduling.system - before.nodesScheduling.system) / messages,
        switches: (after.nodesScheduling.switches - before.nodesScheduling.switches) / messages,
        mainThread: (after.nodesScheduling.mainThread - before.nodesScheduling.mainThread) / messages,
      },
      watcherSwitches: (after.watchersScheduling.switches - before.watchersScheduling.switches) / messages,
    };
  } finally {
    await Promise.all(watchers.map((w) => w.stop()));
    await Promise.all(nodes.map((node) => node.stop()));
  }
}

/**
 * Starts `perf record` on the nodes' processes for the measured messages only: samples of CPU
 * time (`cpu-clock`, every thread, kernel included), where V8's profiles sample wall-clock time
 * and cover a node's whole life. Read with `perf report -i <file> --sort sym`.
 */
async function perfRecord(setup: Setup, nodes: readonly BenchChild<string>[]): Promise<ChildProcess> {
  const file = join(PERF as string, `${fileNameOf(setup)}-${Date.now()}.data`);
  const pids = nodes.map((node) => node.pid).join(",");
  const perf = spawn("perf", ["record", "-e", "cpu-clock", "-F", "999", "-o", file, "-p", pids], { stdio: "ignore" });
  // perf attaches within a moment; the measured sends must not start before it.
  await new Promise((resolve) => setTimeout(resolve, 1000));
  return perf;
}

/** `setup`'s name as a file or folder name of its profiles, perf data and callgrind counts. */
function fileNameOf(setup: Setup): string {
  return setup.name.replace(/[^a-z0-9]+/gi, "-");
}

/**
 * Instructions counted in the node `pid` of `setup` that ran under callgrind: in its main thread
 * (the `-01` file) and in all its threads (V8's compiler and GC threads are the others).
 */
function callgrindInstructions(setup: Setup, pid: number): { main: number; all: number } {
  const prefix = `${fileNameOf(setup)}-${pid}.out-`;
  const dir = CALLGRIND as string;
  const counts = readdirSync(dir)
    .filter((file) => file.startsWith(prefix))
    .map((file) => ({ file, count: callgrindTotal(join(dir, file)) }));
  return {
    main: counts.find(({ file }) => file.endsWith("-01"))?.count ?? Number.NaN,
    all: counts.reduce((sum, { count }) => sum + count, 0),
  };
}

/**
 * Statements the nodes at `urls` have run so far, by their `natter_db_query_duration_seconds`
 * count (every query Kysely runs; BEGIN, COMMIT and savepoints are not counted). Not
 * `pg_stat_database`'s `xact_commit`: a backend that reported less than a second before going
 * idle holds its counts for up to 10 s (PostgreSQL 15's `PGSTAT_IDLE_INTERVAL`), so a window of
 * a second or two counted the warm-up's transactions (8–24 "commits" a message on 3 nodes where
 * PostgreSQL's statement log showed 1.4).
 */
async function statementsRun(urls: readonly string[]): Promise<number> {
  const counts = await Promise.all(
    urls.map(async (url) => {
      const metrics = await (await fetch(`${url}/metrics`)).text();
      return Number(/^natter_db_query_duration_seconds_count\{[^}]*\} (\d+)/m.exec(metrics)?.[1] ?? Number.NaN);
    }),
  );
  return counts.reduce((a, b) => a + b, 0);
}

async function stopPerf(perf: ChildProcess): Promise<void> {
  const exited = new Promise((resolve) => perf.once("exit", resolve));
  perf.kill("SIGINT");
  await exited;
}

/** The bench's own database, and a connection to the server's maintenance database beside it. */
interface BenchDatabase {
  name: string;
  url: string;
  maintenance: Kysely<Database>;
}

/** Makes a database of its own for a run's nodes. */
async function benchDatabase(maintenance: Kysely<Database>): Promise<BenchDatabase> {
  const name = `natter_bench_${randomBytes(4).toString("hex")}`;
  await sql`create database ${sql.id(name)}`.execute(maintenance);
  const url = new URL(POSTGRES_URL);
  url.pathname = `/${name}`;
  return { name, url: url.toString(), maintenance };
}

async function main(): Promise<void> {
  const messages = Math.max(10, Math.round(DELIVERIES / WATCHERS));
  console.log(
    `cluster fan-out: ${WATCHERS} watchers in ${WATCHER_PROCESSES} processes, ${messages} messages from ${SENDERS} senders ` +
      `(round-robin over the nodes) after ${WARM_MESSAGES} unmeasured ones per node, ${REPS} interleaved repetitions, medians; ` +
      `PostgreSQL, Redis; ` +
      `node ${process.version}, ${cpus().length} × ${cpus()[0]?.model}`,
  );
  const maintenance = openDatabase(POSTGRES_URL, { poolSize: 1 });
  /** This checkout's database, and CLUSTER_BEFORE's (its own schema). */
  const databases = [await benchDatabase(maintenance.db)];
  if (BEFORE !== undefined) databases.push(await benchDatabase(maintenance.db));
  try {
    const runs = new Map<string, RunResult[]>(SETUPS.map((setup) => [setup.name, []]));
    for (let rep = 0; rep < REPS; rep += 1) {
      for (let i = 0; i < SETUPS.length; i += 1) {
        const setup = SETUPS[(i + rep) % SETUPS.length] as Setup;
        const result = await run(setup, databases[setup.before ? 1 : 0] as BenchDatabase, messages);
        runs.get(setup.name)?.push(result);
        if (result.callgrindPid !== undefined) {
          const { main, all } = callgrindInstructions(setup, result.callgrindPid);
          console.log(
            `      node 0 under callgrind, M instructions per message: main thread ${fixed(main / messages / 1e6, 2)}, ` +
              `all threads ${fixed(all / messages / 1e6, 2)}`,
          );
        }
        const incomplete =
          result.delivered < result.expected ? ` (delivered ${result.delivered} of ${result.expected})` : "";
        console.log(
          `  rep ${rep + 1} ${setup.name.padEnd(24)} ${fixed(result.deliveriesPerSecond, 0).padStart(7)}/s  ` +
            `p50 ${fixed(result.p50, 1)} ms  p99 ${fixed(result.p99, 1)} ms  CPU µs/delivery: nodes ${fixed(result.nodesCpu)}, ` +
            `Redis ${fixed(result.redisCpu)}, PostgreSQL ${fixed(result.postgresCpu)}${incomplete}`,
        );
        const { user, system, switches, mainThread } = result.nodesScheduling;
        console.log(
          `      per message: nodes user ${fixed(user / 1000, 1)} ms, system ${fixed(system / 1000, 1)} ms ` +
            `(/proc, 10 ms ticks; main threads, to the ns: ${fixed(mainThread / 1000, 1)} ms), context switches: nodes ${fixed(switches, 1)}, watchers ${fixed(result.watcherSwitches, 1)}, ` +
            `PostgreSQL statements ${fixed(result.statements)}`,
        );
      }
    }
    console.log(`\n${WATCHERS} watchers × ${messages} messages, medians`);
    console.log(
      `  ${"setup".padEnd(24)} ${"deliveries/s".padStart(12)} ${"p50 ms".padStart(8)} ${"p99 ms".padStart(8)}` +
        `  CPU µs per delivery: ${"nodes".padStart(6)} ${"Redis".padStart(6)} ${"PostgreSQL".padStart(10)}`,
    );
    const medians = new Map(
      SETUPS.map((setup) => {
        const results = runs.get(setup.name) ?? [];
        const of = (pick: (r: RunResult) => number) => median(results.map(pick));
        return [
          setup.name,
          {
            rate: of((r) => r.deliveriesPerSecond),
            p50: of((r) => r.p50),
            p99: of((r) => r.p99),
            nodes: of((r) => r.nodesCpu),
            redis: of((r) => r.redisCpu),
            postgres: of((r) => r.postgresCpu),
            statements: of((r) => r.statements),
          },
        ];
      }),
    );
    for (const [setupName, m] of medians) {
      console.log(
        `  ${setupName.padEnd(24)} ${fixed(m.rate, 0).padStart(12)} ${fixed(m.p50, 1).padStart(8)} ${fixed(m.p99, 1).padStart(8)}` +
          `                       ${fixed(m.nodes).padStart(6)} ${fixed(m.redis).padStart(6)} ${fixed(m.postgres).padStart(10)}`,
      );
    }
    console.log("  the same CPU per message sent (each message reaches every watcher):");
    for (const [setupName, m] of medians) {
      console.log(
        `  ${setupName.padEnd(24)} nodes ${fixed((m.nodes * WATCHERS) / 1000, 1)} ms, Redis ${fixed((m.redis * WATCHERS) / 1000, 2)} ms, ` +
          `PostgreSQL ${fixed((m.postgres * WATCHERS) / 1000, 2)} ms, ${fixed(m.statements)} statements`,
      );
    }
    for (const suffix of BEFORE === undefined ? [""] : ["", " (before)"]) {
      const single = medians.get(`1 node + Redis${suffix}`);
      const three = medians.get(`3 nodes + Redis${suffix}`);
      if (single && three) {
        console.log(
          `  3 nodes / 1 node (both with Redis)${suffix}: nodes' CPU per message ${fixed(three.nodes / single.nodes)}×, ` +
            `deliveries/s ${fixed(three.rate / single.rate)}×, p99 ${fixed(three.p99 / single.p99)}×`,
        );
      }
    }
  } finally {
    for (const { name } of databases) {
      await sql`drop database if exists ${sql.id(name)} with (force)`.execute(maintenance.db);
    }
    await maintenance.close();
  }
}

const role = process.argv[2];
if (role === "serve-node") await serveNode();
else if (role === "watch") runWatchers();
else await main();
