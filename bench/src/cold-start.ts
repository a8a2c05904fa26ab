/**
 * How long from `node …` to the first 200 from `/healthz` on an existing database: `natter
 * serve` as published (the bundle), tsc's unbundled output of the same sources, and a bare
 * `node:http` server as the floor. Interleaved rounds, medians.
 * Run `pnpm run build` first (`npm run bench:cold-start` does).
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { fixed, summarize } from "./stats.js";

const ROUNDS = Number(process.env.ROUNDS ?? 15);
const root = fileURLToPath(new URL("../..", import.meta.url));
const cli = join(root, "server/bin/natter.js");
const dir = mkdtempSync(join(tmpdir(), "natter-cold-start-"));
const database = join(dir, "natter.db");

const BARE_SERVER = `
const server = require("node:http").createServer((req, res) => res.end('{"status":"ok"}'));
server.listen(0, "127.0.0.1", () => console.log(JSON.stringify({ url: "http://127.0.0.1:" + server.address().port })));
`;

const contenders: Record<string, string[]> = {
  natter: [cli, "serve", "--port", "0", "--db", database],
  "tsc output": [join(root, "server/dist/cli/main.js"), "serve", "--port", "0", "--db", database],
  "bare node:http": ["-e", BARE_SERVER],
};

/** Milliseconds from spawn to the first successful `/healthz`. */
async function coldStart(args: string[]): Promise<number> {
  const started = performance.now();
  const child: ChildProcess = spawn(process.execPath, args, {
    cwd: join(root, "server"),
    stdio: ["ignore", "pipe", "inherit"],
  });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let output = "";
      child.stdout?.on("data", (chunk) => {
        output += String(chunk);
        const match = /"url":"([^"]+)"/.exec(output);
        if (match?.[1]) resolve(match[1]);
      });
      child.once("exit", (code) => reject(new Error(`exited ${code} before listening: ${output}`)));
    });
    const res = await fetch(`${url}/healthz`);
    if (res.status !== 200) throw new Error(`/healthz answered ${res.status}`);
    await res.arrayBuffer();
    return performance.now() - started;
  } finally {
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGKILL");
    await exited;
  }
}

try {
  execFileSync(process.execPath, [cli, "migrate", "--db", database], { stdio: "ignore" });
  const samples: Record<string, number[]> = Object.fromEntries(Object.keys(contenders).map((name) => [name, []]));
  for (let round = 0; round < ROUNDS; round += 1) {
    for (const [name, args] of Object.entries(contenders)) samples[name]?.push(await coldStart(args));
  }
  const bare = summarize(samples["bare node:http"] ?? []).p50;
  console.log(`cold start to the first /healthz 200 on an existing database, ${ROUNDS} interleaved rounds (ms)`);
  for (const [name, values] of Object.entries(samples)) {
    const { p50, p99 } = summarize(values);
    console.log(
      `  ${name.padEnd(15)} p50 ${fixed(p50, 0).padStart(5)}  p99 ${fixed(p99, 0).padStart(5)}  ×bare ${fixed(p50 / bare)}`,
    );
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
