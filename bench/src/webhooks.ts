/**
 * What outgoing webhooks cost, in one run (issue 23). Two natter deployments set up alike,
 * `plain` with no webhook and `hooked` with one server-wide endpoint subscribed to
 * `message.created`, pointing at a fast local receiver (answers 204 at once, counts distinct
 * `webhook-id`s). Every natter node and the receiver run in processes of their own, so the
 * CPU each uses is measured apart (the receiver's is not natter's).
 *
 * 1. The send path: one send at a time, to each deployment in turn (the order alternating):
 *    the medians of the send's latency and their ratio, and the CPU the deployment's nodes
 *    (and, on PostgreSQL, the database's backends) spent per send, with the hooked one's
 *    deliveries all made (goal <= 1.1x). The hooked deployment writes the outbox row in the
 *    send's transaction and delivers it while the next sends come in: both are its cost.
 * 2. Delivery throughput: bursts of BURST messages, CONCURRENCY in flight over ROOMS rooms,
 *    to each deployment in turn (alternating); for the hooked one, deliveries per second from
 *    the first send to the last delivery received, and how long after the last send's answer
 *    the last delivery arrived. The bursts' send rates side by side give the ratio under load.
 *
 *   npm run bench:webhooks                       SQLite, one node
 *   WEBHOOKS_ENGINE=postgres npm run bench:webhooks
 *   npm run bench:webhooks-cluster               PostgreSQL and Redis, two nodes per deployment
 *
 * WEBHOOKS_CPU_PROF=<dir> writes a V8 CPU profile of each hooked node (and, for comparison,
 * each plain one) into <dir>/hooked and <dir>/plain when the bench ends (`node --cpu-prof`);
 * `bench/src/cpu-profile-summary.ts` lists a profile's functions by self and inclusive time.
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
        ...(prefix && { redisUrl: REDIS_URL, redisPrefix: prefix }),
      },
      {},
    ),
  });
  serveChild(server.url, { stop: () => server.close() });
}

/** One deployment under test: its nodes, its database, and what the bench made in it. */
interface Deployment {
  name: string;
  nodes: BenchChild<string>[];
  databaseUrl: string;
  /** PostgreSQL: the database's name, for its backends' CPU. */
  postgresName?: string;
  token: string;
  rooms: string[];
  sent: number;
}

async function deploy(name: string, dir: string, maintenance?: Kysely<Database>): Promise<Deployment> {
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
    const plain = await deploy("plain", dir, maintenance?.db);
    deployments.push(plain);
    const hooked = await deploy("hooked", dir, maintenance?.db);
    deployments.push(hooked);
    await postJson(
      hooked.nodes[0]?.info as string,
      "/admin/webhooks",
      { url: receiver.info, events: ["message.created"] },
      hooked.token,
    );

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
    const loadBefore = loadavg();

    // Warm-up, then the send path, interleaved.
    for (let i = 0; i < 50; i++) {
      await timedSend(plain);
      await timedSend(hooked);
    }
    expected += 50;
    await allDelivered();
    const cpuBefore = { plain: await cpuOf(plain), hooked: await cpuOf(hooked) };
    const statementsBefore = { plain: await statementsOf(plain), hooked: await statementsOf(hooked) };
    const without: number[] = [];
    const withHook: number[] = [];
    for (let i = 0; i < REPETITIONS; i++) {
      if (i % 2 === 0) {
        without.push(await timedSend(plain));
        withHook.push(await timedSend(hooked));
      } else {
        withHook.push(await timedSend(hooked));
        without.push(await timedSend(plain));
      }
    }
    expected += REPETITIONS;
    await allDelivered();
    const cpuPerSend = {
      plain: spent(cpuBefore.plain, await cpuOf(plain)) / REPETITIONS,
      hooked: spent(cpuBefore.hooked, await cpuOf(hooked)) / REPETITIONS,
    };
    // Less the /metrics reads' own (none: they run no statement).
    const statementsPerSend = {
      plain: ((await statementsOf(plain)) - statementsBefore.plain) / REPETITIONS,
      hooked: ((await statementsOf(hooked)) - statementsBefore.hooked) / REPETITIONS,
    };

    // Bursts, interleaved.
    const plainRates: number[] = [];
    const hookedRates: number[] = [];
    const deliveryRates: number[] = [];
    const lags: number[] = [];
    // The CPU per send of each burst (the hooked one's deliveries included), and how busy the
    // deployment's nodes were while it lasted: a node is one thread, so at 1 core busy its
    // send rate is 1 / (CPU per send), and the rates' ratio follows the CPU's.
    const burstCpu = { plain: [] as number[], hooked: [] as number[] };
    const busyCores = { plain: [] as number[], hooked: [] as number[] };
    for (let rep = 0; rep < BURST_REPS; rep++) {
      const order = rep % 2 === 0 ? [plain, hooked] : [hooked, plain];
      for (const target of order) {
        const cpuAtStart = await cpuOf(target);
        const { started, ended } = await burst(target);
        const side = target === plain ? "plain" : "hooked";
        if (target === plain) {
          plainRates.push(BURST / ((ended - started) / 1000));
        } else {
          expected += BURST;
          const { lastAt } = await allDelivered();
          hookedRates.push(BURST / ((ended - started) / 1000));
          deliveryRates.push(BURST / ((lastAt - started) / 1000));
          lags.push(Math.max(0, lastAt - ended));
        }
        const cpu = spent(cpuAtStart, await cpuOf(target));
        burstCpu[side].push(cpu / BURST);
        busyCores[side].push(cpu / 1000 / (epochMs() - started));
      }
    }
    const loadAfter = loadavg();
    const received = (await receiver.stats<ReceiverStats>()).distinct;

    const load = (l: number[]) => l.map((x) => fixed(x, 2)).join(" ");
    const x = median(without);
    const y = median(withHook);
    const where = ENGINE === "postgres" ? `PostgreSQL${NODES > 1 ? " and Redis" : ""}` : "SQLite";
    console.log(
      `webhooks bench (${where}, ${NODES} node${NODES > 1 ? "s" : ""} per deployment, each node and the receiver in a process of its own): ` +
        `load average ${load(loadBefore)} before, ${load(loadAfter)} after`,
    );
    console.log(`1. the send path, ${REPETITIONS} interleaved sends each`);
    const per = (target: "plain" | "hooked") =>
      `CPU ${fixed(cpuPerSend[target], 0)} µs, ${fixed(statementsPerSend[target], 2)} SQL statements per send`;
    console.log(`  send, no webhook                 median ${fixed(x, 3)} ms, ${per("plain")}`);
    console.log(
      `  send, one webhook endpoint       median ${fixed(y, 3)} ms, ${per("hooked")} (its delivery included)`,
    );
    console.log(`  send-path latency ratio                         ${fixed(y / x, 3)}x (goal <= 1.1x)`);
    console.log(
      `  CPU per send, its delivery included, ratio      ${fixed(cpuPerSend.hooked / cpuPerSend.plain, 3)}x (goal <= 1.1x; load ${load(loadBefore)})`,
    );
    console.log(
      `  SQL statements per send, delivery included      ${fixed(statementsPerSend.hooked / statementsPerSend.plain, 3)}x`,
    );
    console.log(
      `2. bursts of ${BURST} sends, ${CONCURRENCY} in flight over ${ROOMS} rooms, ${BURST_REPS} interleaved reps (medians)`,
    );
    const pr = median(plainRates);
    const hr = median(hookedRates);
    console.log(`  send rate, no webhook            ${fixed(pr, 0)} messages/s`);
    console.log(`  send rate, one webhook endpoint  ${fixed(hr, 0)} messages/s (ratio ${fixed(pr / hr, 3)}x)`);
    console.log(
      `  CPU per send in the bursts       ${fixed(median(burstCpu.plain), 0)} vs ${fixed(median(burstCpu.hooked), 0)} µs, its delivery included ` +
        `(ratio ${fixed(median(burstCpu.hooked) / median(burstCpu.plain), 3)}x); nodes busy ${fixed(median(busyCores.plain), 2)} vs ${fixed(median(busyCores.hooked), 2)} cores`,
    );
    console.log(
      `  delivery throughput              ${fixed(median(deliveryRates), 0)} deliveries/s, first send to last delivery`,
    );
    console.log(`  last delivery after the last send's answer: median ${fixed(median(lags), 0)} ms`);
    console.log(`  deliveries received: ${received} distinct, expected ${expected}`);
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
