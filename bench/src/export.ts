/**
 * bench:export — `GET /api/v1/me/export` of an account with 100,000 messages, on SQLite and
 * PostgreSQL side by side.
 *
 * For each engine: a fresh database, one account and room, EXPORT_BENCH_MESSAGES messages
 * (100,000 by default) stored as a send stores them (`insertSentMessages`), and a natter server in
 * a child process of its own. Then EXPORT_BENCH_REPETITIONS rounds (5 by default), each exporting
 * once from every engine in turn (interleaved), the whole document read over HTTP. Reported per
 * engine as medians: messages/s, MB/s, the server's peak resident memory during an export and
 * its rise over what it was just before. The first export of each engine is also parsed and its
 * messages counted. EXPORT_BENCH_ENGINES=sqlite,postgres picks engines; PostgreSQL is
 * NATTER_TEST_POSTGRES_URL's server (postgres://postgres@127.0.0.1:5432 by default).
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { type DatabaseEngine, openDatabase } from "@natter/db";
import { sql } from "kysely";
import { loadConfig, startNatterServer } from "natter";
import { insertSentMessages } from "./sent-messages.js";
import { BenchChild, serveChild } from "./server-process.js";
import { fixed, median } from "./stats.js";

const MESSAGES = Number(process.env.EXPORT_BENCH_MESSAGES ?? 100_000);
const REPETITIONS = Number(process.env.EXPORT_BENCH_REPETITIONS ?? 5);
const ENGINES = (process.env.EXPORT_BENCH_ENGINES ?? "sqlite,postgres").split(",") as DatabaseEngine[];
const POSTGRES_URL = process.env.NATTER_TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const MODULE = import.meta.url;

/** In the child: a natter server on the database named by EXPORT_BENCH_DATABASE_URL. */
async function serveNode(): Promise<void> {
  const uploadsDir = mkdtempSync(join(tmpdir(), "natter-bench-export-"));
  const server = await startNatterServer({
    config: loadConfig(
      {
        port: 0,
        databaseUrl: process.env.EXPORT_BENCH_DATABASE_URL,
        uploadsDir,
        logLevel: "silent",
        rateLimits: "off",
        // One export an hour is the default; the bench exports the same account again and again.
        dataExportRatePerAccount: "1000/1h",
      },
      {},
    ),
  });
  serveChild(server.url, {
    stop: async () => {
      await server.close();
      rmSync(uploadsDir, { recursive: true, force: true });
    },
  });
}

/** A fresh database of the engine: a SQLite file, or a PostgreSQL database of its own. */
async function freshDatabase(engine: DatabaseEngine, dir: string) {
  if (engine === "sqlite") return { url: join(dir, "export.db"), drop: async () => {} };
  const name = `bench_export_${process.pid}`;
  const onAdmin = async (statement: ReturnType<typeof sql>) => {
    const admin = openDatabase(POSTGRES_URL, { poolSize: 1 });
    try {
      await statement.execute(admin.db);
    } finally {
      await admin.close();
    }
  };
  await onAdmin(sql`drop database if exists ${sql.id(name)} with (force)`);
  await onAdmin(sql`create database ${sql.id(name)}`);
  const url = new URL(POSTGRES_URL);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => onAdmin(sql`drop database if exists ${sql.id(name)} with (force)`) };
}

function startNode(databaseUrl: string): Promise<BenchChild<string>> {
  return BenchChild.start<string>(MODULE, ["serve-node"], { EXPORT_BENCH_DATABASE_URL: databaseUrl });
}

async function post(url: string, path: string, token: string | null, body: unknown) {
  const res = await fetch(`${url}/api/v1${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(token && { authorization: `Bearer ${token}` }) },
    body: JSON.stringify(body),
  });
  if (res.status >= 300) throw new Error(`${path} answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as any;
}

/** The process's resident set size in MB, from /proc (Linux). */
function rssMb(pid: number): number {
  const kb = Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1]);
  return kb / 1024;
}

interface Engine {
  engine: DatabaseEngine;
  node: BenchChild<string>;
  token: string;
  drop: () => Promise<void>;
}

/** A database with one account of MESSAGES messages, and a server on it. */
async function prepare(engine: DatabaseEngine, dir: string): Promise<Engine> {
  const database = await freshDatabase(engine, dir);
  let node = await startNode(database.url);
  const user = await post(node.info, "/users", null, {
    username: `exporter-${engine}`,
    password: "correct horse battery",
  });
  const { room } = await post(node.info, "/rooms", user.token, { name: "history" });
  // Seeded with the server stopped: nothing of its own (a room's seq) goes stale.
  await node.stop();
  const started = performance.now();
  const seeding = openDatabase(database.url, { poolSize: 1 });
  try {
    await insertSentMessages(seeding.db, {
      roomId: room.id,
      authorId: user.user.id,
      count: MESSAGES,
      body: (i) => `message ${i} `.padEnd(120, "lorem ipsum dolor sit amet "),
      startAt: Date.now() - MESSAGES,
    });
  } finally {
    await seeding.close();
  }
  console.log(`  ${engine}: ${MESSAGES} messages seeded in ${fixed((performance.now() - started) / 1000, 1)} s`);
  node = await startNode(database.url);
  return { engine, node, token: user.token, drop: database.drop };
}

interface Sample {
  seconds: number;
  bytes: number;
  before: number;
  peak: number;
}

/** One export read whole; `text` keeps the document (for the check), otherwise it is dropped. */
async function exportOnce(target: Engine, keep: boolean): Promise<Sample & { text: string }> {
  const pid = target.node.pid;
  const before = rssMb(pid);
  let peak = before;
  const sampler = setInterval(() => {
    peak = Math.max(peak, rssMb(pid));
  }, 10);
  const started = performance.now();
  let bytes = 0;
  const parts: Buffer[] = [];
  try {
    const res = await fetch(`${target.node.info}/api/v1/me/export`, {
      headers: { authorization: `Bearer ${target.token}` },
    });
    if (res.status !== 200) throw new Error(`export answered ${res.status}: ${await res.text()}`);
    for await (const chunk of res.body as ReadableStream<Uint8Array>) {
      bytes += chunk.length;
      if (keep) parts.push(Buffer.from(chunk));
    }
  } finally {
    clearInterval(sampler);
  }
  const seconds = (performance.now() - started) / 1000;
  peak = Math.max(peak, rssMb(pid));
  return { seconds, bytes, before, peak, text: Buffer.concat(parts).toString("utf8") };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "natter-bench-export-"));
  const targets: Engine[] = [];
  try {
    console.log(`bench:export — ${MESSAGES} messages, ${REPETITIONS} interleaved rounds`);
    for (const engine of ENGINES) targets.push(await prepare(engine, dir));
    const samples = new Map<DatabaseEngine, Sample[]>(targets.map((t) => [t.engine, []]));
    for (let round = 0; round < REPETITIONS; round += 1) {
      for (const target of targets) {
        const sample = await exportOnce(target, round === 0);
        if (round === 0) {
          const exported = JSON.parse(sample.text) as { messages: unknown[] };
          if (exported.messages.length !== MESSAGES) {
            throw new Error(`${target.engine}: ${exported.messages.length} messages exported, not ${MESSAGES}`);
          }
        }
        samples.get(target.engine)?.push(sample);
      }
    }
    console.log("engine     messages/s    MB/s   doc MB  RSS before  peak RSS  rise (MB, medians)");
    const rates = new Map<DatabaseEngine, number>();
    for (const [engine, list] of samples) {
      const rate = median(list.map((s) => MESSAGES / s.seconds));
      rates.set(engine, rate);
      console.log(
        `${engine.padEnd(10)} ${fixed(rate, 0).padStart(10)} ${fixed(median(list.map((s) => s.bytes / 1048576 / s.seconds)), 1).padStart(7)} ${fixed((list[0]?.bytes ?? 0) / 1048576, 1).padStart(8)} ${fixed(median(list.map((s) => s.before)), 0).padStart(11)} ${fixed(median(list.map((s) => s.peak)), 0).padStart(9)} ${fixed(median(list.map((s) => s.peak - s.before)), 0).padStart(6)}`,
      );
    }
    const sqlite = rates.get("sqlite");
    const postgres = rates.get("postgres");
    if (sqlite && postgres) console.log(`ratio postgres / sqlite messages/s: ${fixed(postgres / sqlite, 2)}×`);
    console.log(
      `load average ${loadavg()
        .map((l) => fixed(l, 2))
        .join(" ")}`,
    );
  } finally {
    for (const target of targets) {
      await target.node.stop();
      await target.drop();
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === "serve-node") await serveNode();
else await main();
