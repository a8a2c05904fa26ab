/**
 * What outgoing webhooks cost, in one run (issue 23). Three natter deployments set up alike:
 * `plain` with no webhook; `held` and `hooked` with one server-wide endpoint subscribed to
 * `message.created`, pointing at a fast local receiver (answers 204 at once, counts distinct
 * `webhook-id`s). `held`'s nodes run with `webhookDelivery: false` (NATTER_WEBHOOK_DELIVERY):
 * each send writes its outbox row in its transaction exactly as `hooked`'s does, but no
 * delivery worker runs there, so nothing is claimed, sent or recorded. `hooked` delivers.
 * Every natter node and the receiver run in processes of their own, so the CPU each uses is
 * measured apart (the receiver's is not natter's).
 *
 * Why three: a node is one thread, and its delivery worker runs between the sends, so the
 * CPU of one send and of its delivery cannot be told apart inside one process (per-phase
 * timers would miss the driver's and undici's callbacks). Holding deliveries in a deployment
 * of its own measures the send path alone: `held` / `plain` is the extra cost of an endpoint
 * on the send path (the goal, <= 1.1x). `hooked` / `plain` is the total with every
 * delivery made (information), and `hooked` - `held` per send is what a delivery costs.
 * The held outbox grows by one row per send (a few thousand rows in a run): an index insert
 * that does not get measurably dearer at that size.
 *
 * 1. The send path: one send at a time, to each deployment in turn (the order rotating):
 *    the medians of the send's latency, and the CPU the deployment's nodes (and, on
 *    PostgreSQL, the database's backends) spent per send, `hooked`'s with its deliveries all
 *    made.
 * 2. Delivery throughput: bursts of BURST messages, CONCURRENCY in flight over ROOMS rooms,
 *    to each deployment in turn (rotating); for `hooked`, deliveries per second from the
 *    first send to the last delivery received, and how long after the last send's answer the
 *    last delivery arrived. The bursts' send rates and CPU per send side by side.
 *
 *   npm run bench:webhooks                       SQLite, one node
 *   WEBHOOKS_ENGINE=postgres npm run bench:webhooks
 *   npm run bench:webhooks-cluster               PostgreSQL and Redis, two nodes per deployment
 *
 * WEBHOOKS_CPU_PROF=<dir> writes a V8 CPU profile of each node into <dir>/<deployment> when
 * the bench ends (`node --cpu-prof`); `bench/src/cpu-profile-summary.ts` lists a profile's
 * functions by self and inclusive time.
 *
 * PostgreSQL: WEBHOOKS_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432/test), where
 * the bench makes and drops databases of its own; Redis (two nodes): WEBHOOKS_REDIS_URL
 * (default redis://127.0.0.1:6379), under key prefixes of its own. Sends go round-robin over
 * a deployment's nodes, as a load balancer would.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { type Database, openDatabase } from "@natter/db";
import { type Kysely, sql } from "kysely";
import { loadConfig, setServerAdmin, startNatterServer } from "natter";
import { postJson } from "./natter-rest.js";
import { backendsOf, cpuSpent, processCpuMicros } from "./process-cpu.js";
import { BenchChild, epochMs, serveChild } from "./server-process.js";
import { fixed, median } from "./stats.js";

const REPETITIONS = Number(process.env.REPETITIONS ?? 400);
const BURST = Number(process.env.BURST ?? 1500);
const BURST_REPS = Number(process.env.BURST_REPS ?? 3);
const CONCURRENCY = Number(process.env.CONCURRENCY ?? 16);
const ROOMS = Number(process.env.ROOMS ?? 16);
const ENGINE = process.env.WEBHOOKS_ENGINE === "postgres" ? "postgres" : "sqlite";
const NODES = Number(process.env.WEBHOOKS_NODES ?? 1);
const POSTGRES_URL = process.env.WEBHOOKS_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const REDIS_URL = process.env.WEBHOOKS_REDIS_URL ?? "redis://127.0.0.1:6379";
const BODY = "The build of main passed: 1,902 tests in 20 min, coverage unchanged. Deploying to staging now.";
const MODULE = import.meta.url;

/** What the receiver answers to `stats`: distinct deliveries, and when the newest arrived (epoch ms). */
interface ReceiverStats {
  distinct: number;
  lastAt: number;
}

/** A child that receives deliveries. */
async function serveReceiver(): Promise<void> {
  const seen = new Set<string>();
  let lastAt = 0;
  const receiver = createServer((req, res) => {
    req.on("error", () => res.destroy());
    req.resume();
    req.on("end", () => {
      const id = String(req.headers["webhook-id"] ?? "");
      if (id && !seen.has(id)) {
        seen.add(id);
        lastAt = epochMs();
      }
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  serveChild(`http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`, {
    stats: (): ReceiverStats => ({ distinct: seen.size, lastAt }),
    stop: () => new Promise<void>((resolve) => receiver.close(() => resolve())),
  });
}

/** A child that is one natter node of a deployment. */
async function serveNode(): Promise<void> {
  const prefix = process.env.WEBHOOKS_NODE_REDIS_PREFIX;
  const server = await startNatterServer({
    config: loadConfig(
      {
        port: 0,
        databaseUrl: process.env.WEBHOOKS_NODE_DATABASE_URL,
        logLevel: "silent",
        rateLimits: "off",
        webhookAllowPrivateNetworks: true,
        webhookDelivery: process.env.WEBHOOKS_NODE_DELIVERY !== "false",
        ...(prefix && { redisUrl: REDIS_URL, redisPrefix: prefix }),
      },
      {},
    ),
  });
  serveChild(server.url, { stop: () => server.close() });
}

/** One deployment under test: its nodes, its database, and what the bench made in it. */
interface Deployment {
  name: Side;
  nodes: BenchChild<string>[];
  databaseUrl: string;
  /** PostgreSQL: the database's name, for its backends' CPU. */
  postgresName?: string;
  token: string;
  rooms: string[];
  sent: number;
}

type Side = "plain" | "held" | "hooked";

async function deploy(name: Side, dir: string, maintenance?: Kysely<Database>): Promise<Deployment> {
  let databaseUrl = join(dir, `${name}.db`);
  let postgresName: string | undefined;
  if (maintenance) {
    postgresName = `natter_bench_${randomBytes(4).toString("hex")}`;
    await sql`create database ${sql.id(postgresName)}`.execute(maintenance);
    const url = new URL(POSTGRES_URL);
    url.pathname = `/${postgresName}`;
    databaseUrl = url.toString();
  }
  const env = {
    WEBHOOKS_NODE_DATABASE_URL: databaseUrl,
    ...(NODES > 1 && { WEBHOOKS_NODE_REDIS_PREFIX: `natter-bench:${randomBytes(4).toString("hex")}:` }),
    WEBHOOKS_NODE_DELIVERY: String(name !== "held"),
  };
  // One after the other: the first applies the migrations alone.
  const nodes: BenchChild<string>[] = [];
  const profile = process.env.WEBHOOKS_CPU_PROF
    ? ["--cpu-prof", `--cpu-prof-dir=${join(process.env.WEBHOOKS_CPU_PROF, name)}`]
    : [];
  for (let i = 0; i < NODES; i += 1) {
    nodes.push(await BenchChild.start<string>(MODULE, ["serve-node"], env, profile));
  }
  const first = nodes[0]?.info as string;
  const { token, user } = await postJson(first, "/users", {
    username: `bench_${name}`,
    password: "correct horse battery",
  });
  // Both deployments are set up alike (an admin made through a second connection to the
  // database, which alone slows later writes on SQLite): only the endpoint differs.
  const database = openDatabase(databaseUrl, { poolSize: 1 });
  await setServerAdmin(database.db, user.username, true, Date.now());
  await database.close();
  const rooms: string[] = [];
  for (let i = 0; i < ROOMS; i++) rooms.push((await postJson(first, "/rooms", { name: `bench ${i}` }, token)).room.id);
  return { name, nodes, databaseUrl, postgresName, token, rooms, sent: 0 };
}

/** Sends one message through the deployment's next node. */
function send(target: Deployment, room: string): Promise<unknown> {
  const node = target.nodes[target.sent++ % target.nodes.length] as BenchChild<string>;
  return postJson(node.info, `/rooms/${room}/messages`, { body: BODY }, target.token);
}

async function timedSend(target: Deployment): Promise<number> {
  const started = performance.now();
  await send(target, target.rooms[0] as string);
  return performance.now() - started;
}

/** BURST sends, CONCURRENCY at a time over the rooms; when they began and ended (epoch ms). */
async function burst(target: Deployment): Promise<{ started: number; ended: number }> {
  let next = 0;
  const started = epochMs();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < BURST) {
        const i = next++;
        await send(target, target.rooms[i % target.rooms.length] as string);
      }
    }),
  );
  return { started, ended: epochMs() };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "natter-bench-webhooks-"));
  const maintenance = ENGINE === "postgres" ? openDatabase(POSTGRES_URL, { poolSize: 1 }) : undefined;
  const receiver = await BenchChild.start<string>(MODULE, ["receive"]);
  const deployments: Deployment[] = [];
  try {
    for (const name of ["plain", "held", "hooked"] as const) deployments.push(await deploy(name, dir, maintenance?.db));
    const [, held, hooked] = deployments as [Deployment, Deployment, Deployment];
    for (const target of [held, hooked]) {
      await postJson(
        target.nodes[0]?.info as string,
        "/admin/webhooks",
        { url: receiver.info, events: ["message.created"] },
        target.token,
      );
    }

    /** The CPU (µs) a deployment's nodes, and its PostgreSQL backends, have used so far. */
    const cpuOf = async (target: Deployment) => {
      const nodes = (await Promise.all(target.nodes.map((node) => node.cpuMicros()))).reduce((a, b) => a + b, 0);
      const backends =
        maintenance && target.postgresName
          ? processCpuMicros(await backendsOf(maintenance.db, target.postgresName))
          : new Map<string, number>();
      return { nodes, backends };
    };
    /** The SQL statements a deployment's nodes have run so far (`/metrics`), a measure load does not move. */
    const statementsOf = async (target: Deployment) => {
      let total = 0;
      for (const node of target.nodes) {
        const text = await (await fetch(`${node.info}/metrics`)).text();
        for (const match of text.matchAll(/^natter_db_query_duration_seconds_count(?:\{[^}]*\})? (\d+)/gm)) {
          total += Number(match[1]);
        }
      }
      return total;
    };
    const spent = (before: Awaited<ReturnType<typeof cpuOf>>, after: Awaited<ReturnType<typeof cpuOf>>) =>
      after.nodes - before.nodes + cpuSpent(before.backends, after.backends);
    let expected = 0;
    const allDelivered = async () => {
      const deadline = performance.now() + 120_000;
      for (;;) {
        const stats = await receiver.stats<ReceiverStats>();
        if (stats.distinct >= expected) return stats;
        if (performance.now() > deadline) throw new Error(`only ${stats.distinct} of ${expected} deliveries arrived`);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    };
    /** The deployments in the order of rep `rep`: each first, second and third as often. */
    const orderOf = (rep: number) => {
      const rotated = [0, 1, 2].map((i) => deployments[(i + rep) % 3] as Deployment);
      return Math.floor(rep / 3) % 2 === 0 ? rotated : rotated.reverse();
    };
    const loadBefore = loadavg();

    // Warm-up, then the send path, interleaved.
    for (let i = 0; i < 50; i++) for (const target of orderOf(i)) await timedSend(target);
    expected += 50;
    await allDelivered();
    const cpuBefore = await Promise.all(deployments.map(cpuOf));
    const statementsBefore = await Promise.all(deployments.map(statementsOf));
    const latencies: Record<Side, number[]> = { plain: [], held: [], hooked: [] };
    for (let i = 0; i < REPETITIONS; i++) {
      for (const target of orderOf(i)) latencies[target.name].push(await timedSend(target));
    }
    expected += REPETITIONS;
    await allDelivered();
    const cpuPerSend = {} as Record<Side, number>;
    const statementsPerSend = {} as Record<Side, number>;
    for (const [index, target] of deployments.entries()) {
      cpuPerSend[target.name] =
        spent(cpuBefore[index] as Awaited<ReturnType<typeof cpuOf>>, await cpuOf(target)) / REPETITIONS;
      // Less the /metrics reads' own (none: they run no statement).
      statementsPerSend[target.name] =
        ((await statementsOf(target)) - (statementsBefore[index] as number)) / REPETITIONS;
    }

    // Bursts, interleaved.
    const rates: Record<Side, number[]> = { plain: [], held: [], hooked: [] };
    const deliveryRates: number[] = [];
    const lags: number[] = [];
    // The CPU per send of each burst (the hooked one's deliveries included), and how busy the
    // deployment's nodes were while it lasted: a node is one thread, so at 1 core busy its
    // send rate is 1 / (CPU per send), and the rates' ratio follows the CPU's.
    const burstCpu: Record<Side, number[]> = { plain: [], held: [], hooked: [] };
    const busyCores: Record<Side, number[]> = { plain: [], held: [], hooked: [] };
    for (let rep = 0; rep < BURST_REPS; rep++) {
      for (const target of orderOf(rep)) {
        const cpuAtStart = await cpuOf(target);
        const { started, ended } = await burst(target);
        rates[target.name].push(BURST / ((ended - started) / 1000));
        if (target === hooked) {
          expected += BURST;
          const { lastAt } = await allDelivered();
          deliveryRates.push(BURST / ((lastAt - started) / 1000));
          lags.push(Math.max(0, lastAt - ended));
        }
        const cpu = spent(cpuAtStart, await cpuOf(target));
        burstCpu[target.name].push(cpu / BURST);
        busyCores[target.name].push(cpu / 1000 / (epochMs() - started));
      }
    }
    const loadAfter = loadavg();
    const received = (await receiver.stats<ReceiverStats>()).distinct;

    const load = (l: number[]) => l.map((x) => fixed(x, 2)).join(" ");
    const where = ENGINE === "postgres" ? `PostgreSQL${NODES > 1 ? " and Redis" : ""}` : "SQLite";
    console.log(
      `webhooks bench (${where}, ${NODES} node${NODES > 1 ? "s" : ""} per deployment, each node and the receiver in a process of its own): ` +
        `load average ${load(loadBefore)} before, ${load(loadAfter)} after`,
    );
    console.log(`1. one send at a time, ${REPETITIONS} sends to each deployment, interleaved (medians)`);
    const row = (label: string, side: Side) =>
      console.log(
        `  ${label.padEnd(44)} ${fixed(median(latencies[side]), 3)} ms, CPU ${fixed(cpuPerSend[side], 0)} µs, ` +
          `${fixed(statementsPerSend[side], 2)} SQL statements per send`,
      );
    row("no webhook", "plain");
    row("one endpoint, deliveries held (send path)", "held");
    row("one endpoint, delivered (total)", "hooked");
    const ratio = (a: number, b: number) => `${fixed(a / b, 3)}x`;
    console.log(
      `  the send path: CPU per send ${ratio(cpuPerSend.held, cpuPerSend.plain)} (goal <= 1.1x; load ${load(loadBefore)}), ` +
        `latency ${ratio(median(latencies.held), median(latencies.plain))}, statements ${ratio(statementsPerSend.held, statementsPerSend.plain)}`,
    );
    console.log(
      `  with its delivery: CPU per send ${ratio(cpuPerSend.hooked, cpuPerSend.plain)} (information), ` +
        `latency ${ratio(median(latencies.hooked), median(latencies.plain))}, statements ${ratio(statementsPerSend.hooked, statementsPerSend.plain)}; ` +
        `one delivery ${fixed(cpuPerSend.hooked - cpuPerSend.held, 0)} µs CPU, ${fixed(statementsPerSend.hooked - statementsPerSend.held, 2)} statements`,
    );
    console.log(
      `2. bursts of ${BURST} sends, ${CONCURRENCY} in flight over ${ROOMS} rooms, ${BURST_REPS} interleaved reps (medians)`,
    );
    for (const side of ["plain", "held", "hooked"] as const) {
      console.log(
        `  ${side.padEnd(7)} ${fixed(median(rates[side]), 0)} messages/s, CPU ${fixed(median(burstCpu[side]), 0)} µs per send, ` +
          `nodes busy ${fixed(median(busyCores[side]), 2)} cores`,
      );
    }
    console.log(
      `  CPU per send: send path ${ratio(median(burstCpu.held), median(burstCpu.plain))}, ` +
        `with delivery ${ratio(median(burstCpu.hooked), median(burstCpu.plain))}; ` +
        `send rate plain/held ${ratio(median(rates.plain), median(rates.held))}, plain/hooked ${ratio(median(rates.plain), median(rates.hooked))}`,
    );
    console.log(
      `  delivery throughput              ${fixed(median(deliveryRates), 0)} deliveries/s, first send to last delivery`,
    );
    console.log(`  last delivery after the last send's answer: median ${fixed(median(lags), 0)} ms`);
    console.log(`  deliveries received: ${received} distinct, expected ${expected} (none of held's)`);
  } finally {
    for (const deployment of deployments) {
      await Promise.all(deployment.nodes.map((node) => node.stop()));
      if (maintenance && deployment.postgresName) {
        await sql`drop database if exists ${sql.id(deployment.postgresName)} with (force)`.execute(maintenance.db);
      }
    }
    await receiver.stop();
    await maintenance?.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const role = process.argv[2];
if (role === "serve-node") await serveNode();
else if (role === "receive") await serveReceiver();
else await main();
