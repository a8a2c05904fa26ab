/**
 * Does the server stay responsive while many people log in at once? Fifty log-ins hash
 * their passwords concurrently (argon2id, ~19 MiB and two passes each) while this process
 * asks `/healthz` every few milliseconds. Prints the server's event-loop delay p99 (from
 * `monitorEventLoopDelay`, in the server's own process) and `/healthz` p50/p99, idle and
 * during the log-ins, medians of interleaved repetitions.
 *
 *   npm run bench:login-lag
 *   LAG_LOGINS=50 LAG_REPS=3 npm run bench:login-lag
 */
import { mkdtempSync, rmSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { loadConfig, startNatterServer } from "natter";
import { BenchChild, serveChild } from "./server-process.js";
import { fixed, median, percentile } from "./stats.js";

const LOGINS = Number(process.env.LAG_LOGINS ?? 50);
const REPS = Number(process.env.LAG_REPS ?? 3);
const PROBE_EVERY_MS = 5;
const IDLE_MS = 1500;
const PASSWORD = "bench password";
const MODULE = import.meta.url;

async function serveNatter(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "natter-login-lag-"));
  const server = await startNatterServer({
    config: loadConfig({ port: 0, databaseUrl: join(dir, "bench.db"), logLevel: "silent", rateLimits: "off" }, {}),
  });
  const delay = monitorEventLoopDelay({ resolution: 1 });
  serveChild(server.url, {
    command: (command: "start" | "stop") => {
      if (command === "start") {
        delay.reset();
        delay.enable();
        return null;
      }
      delay.disable();
      return { p99: delay.percentile(99) / 1e6, max: delay.max / 1e6 };
    },
    stop: async () => {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  });
}

async function post(url: string, path: string, body: unknown): Promise<Response> {
  const res = await fetch(`${url}/api/v1${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  await res.arrayBuffer();
  return res;
}

/** Asks /healthz back to back, PROBE_EVERY_MS apart, until `until` settles; their latencies. */
async function probe(url: string, until: Promise<unknown>): Promise<number[]> {
  let done = false;
  void until.finally(() => {
    done = true;
  });
  const latencies: number[] = [];
  while (!done) {
    const at = performance.now();
    const res = await fetch(`${url}/healthz`);
    await res.arrayBuffer();
    latencies.push(performance.now() - at);
    await new Promise((resolve) => setTimeout(resolve, PROBE_EVERY_MS));
  }
  return latencies.sort((a, b) => a - b);
}

async function once(phase: "idle" | "log-ins") {
  const server = await BenchChild.start<string>(MODULE, ["serve-natter"], { NATTER_RATE_LIMITS: "off" });
  try {
    const users = Array.from({ length: LOGINS }, (_, i) => `lag_${i}`);
    // Sign-ups hash too; they happen before the measured window.
    for (const username of users) await post(server.info, "/users", { username, password: PASSWORD });
    await server.command("start");
    const work =
      phase === "idle"
        ? new Promise((resolve) => setTimeout(resolve, IDLE_MS))
        : Promise.all(users.map((username) => post(server.info, "/sessions", { username, password: PASSWORD })));
    const started = performance.now();
    const latencies = await probe(server.info, work);
    await work;
    const elapsed = performance.now() - started;
    const loop = await server.command<{ p99: number; max: number }>("stop");
    return {
      loopP99: loop.p99,
      healthP50: percentile(latencies, 0.5),
      healthP99: percentile(latencies, 0.99),
      elapsed,
    };
  } finally {
    await server.stop();
  }
}

async function main(): Promise<void> {
  console.log(
    `event loop during ${LOGINS} concurrent log-ins, ${REPS} interleaved repetitions, medians; ` +
      `node ${process.version}, ${cpus().length} × ${cpus()[0]?.model}`,
  );
  const phases = ["idle", "log-ins"] as const;
  const runs = new Map<string, Array<Awaited<ReturnType<typeof once>>>>(phases.map((p) => [p, []]));
  for (let rep = 0; rep < REPS; rep += 1) {
    for (let i = 0; i < phases.length; i += 1) {
      const phase = phases[(i + rep) % phases.length] as (typeof phases)[number];
      const result = await once(phase);
      runs.get(phase)?.push(result);
      console.log(
        `  rep ${rep + 1} ${phase.padEnd(7)} event loop p99 ${fixed(result.loopP99, 1)} ms  ` +
          `/healthz p50 ${fixed(result.healthP50, 1)} ms p99 ${fixed(result.healthP99, 1)} ms  (${fixed(result.elapsed, 0)} ms)`,
      );
    }
  }
  console.log();
  for (const phase of phases) {
    const results = runs.get(phase) ?? [];
    console.log(
      `  ${phase.padEnd(7)} event loop p99 ${fixed(median(results.map((r) => r.loopP99)), 1)} ms  ` +
        `/healthz p50 ${fixed(median(results.map((r) => r.healthP50)), 1)} ms  p99 ${fixed(median(results.map((r) => r.healthP99)), 1)} ms` +
        (phase === "log-ins"
          ? `  all ${LOGINS} log-ins in ${fixed(median(results.map((r) => r.elapsed)), 0)} ms (goal: loop p99 < 20 ms)`
          : ""),
    );
  }
}

const role = process.argv[2];
if (role === "serve-natter") await serveNatter();
else await main();
