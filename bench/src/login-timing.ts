/**
 * Does a failed log-in take the same time whether or not the user exists? Runs both kinds
 * of failure and a success, interleaved, against one real server, and prints their medians
 * and the ratio unknown/wrong-password. A ratio near 1 means the answer time does not tell
 * an attacker which usernames exist.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig, startNatterServer } from "natter";
import { fixed, summarize } from "./stats.js";

const ROUNDS = Number(process.env.ROUNDS ?? 60);

const dir = mkdtempSync(join(tmpdir(), "natter-bench-"));
const server = await startNatterServer({
  config: loadConfig(
    // The bench fails on purpose far more often than the throttle and the per-address rate allow.
    { port: 0, databaseUrl: join(dir, "bench.db"), logLevel: "silent", loginMaxFailures: 1_000_000, rateLimits: "off" },
    {},
  ),
});

async function logIn(username: string, password: string): Promise<number> {
  const started = performance.now();
  const res = await fetch(`${server.url}/api/v1/sessions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username, password }),
  });
  await res.arrayBuffer();
  return performance.now() - started;
}

try {
  await fetch(`${server.url}/api/v1/users`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username: "bench_user", password: "the right password" }),
  });
  const samples = { unknownUser: [] as number[], wrongPassword: [] as number[], success: [] as number[] };
  for (let round = 0; round < ROUNDS; round += 1) {
    samples.unknownUser.push(await logIn(`nobody_${round}`, "the right password"));
    samples.wrongPassword.push(await logIn("bench_user", "not the password"));
    samples.success.push(await logIn("bench_user", "the right password"));
  }
  const unknown = summarize(samples.unknownUser);
  const wrong = summarize(samples.wrongPassword);
  const success = summarize(samples.success);
  console.log(`log-in timing, ${ROUNDS} rounds each (ms)`);
  console.log(`  unknown user     p50 ${fixed(unknown.p50)}  p99 ${fixed(unknown.p99)}`);
  console.log(`  wrong password   p50 ${fixed(wrong.p50)}  p99 ${fixed(wrong.p99)}`);
  console.log(`  success          p50 ${fixed(success.p50)}  p99 ${fixed(success.p99)}`);
  console.log(`  ratio unknown/wrong (p50): ${fixed(unknown.p50 / wrong.p50, 3)}`);
} finally {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
}
