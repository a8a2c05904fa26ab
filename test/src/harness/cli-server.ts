import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { type AddressInfo, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The compiled CLI, as `npx natter` runs it; the e2e global setup builds it. */
export const NATTER_CLI = fileURLToPath(new URL("../../../server/bin/natter.js", import.meta.url));

/**
 * Where CLI processes run unless a test says otherwise: a folder of this test process under the
 * OS temp dir, so that a default relative path (`./data/natter.db`, `./data/uploads`) lands
 * there and never in the repository.
 */
let scratchDir: string | undefined;
function cliWorkingDir(): string {
  scratchDir ??= mkdtempSync(join(tmpdir(), "natter-cli-"));
  return scratchDir;
}

/** What a finished `natter` command answered. */
export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `natter <args>` to completion; answers its exit code and output instead of throwing.
 * `input` is written to its standard input, which is then closed (not a terminal); `cwd` is
 * where it runs (a scratch folder under the OS temp dir unless given).
 */
export function runCli(
  args: string[],
  env: Record<string, string> = {},
  input = "",
  { cwd }: { cwd?: string } = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [NATTER_CLI, ...args], {
      env: { ...process.env, ...env },
      cwd: cwd ?? cliWorkingDir(),
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk;
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk;
    });
    child.once("error", reject);
    child.once("close", (code) => resolve({ code: code ?? 1, stdout, stderr }));
    child.stdin.end(input);
  });
}

/** A port free right now, for a server that must be started (or restarted) on a known address. */
export async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

/** A `natter serve` process of its own. */
export interface CliServer {
  url: string;
  port: number;
  child: ChildProcess;
  /** What it printed on stdout so far. */
  output(): string;
  /** Kills it with SIGKILL, as a crash would, and waits until it is gone. */
  kill(): Promise<void>;
  /** Asks it to stop (SIGTERM) and waits until it has. */
  stop(): Promise<void>;
}

export interface CliServerOptions {
  /** A free port by default. */
  port?: number;
  /** `--db`: a SQLite file or a PostgreSQL URL. */
  databaseUrl: string;
  /**
   * `--uploads-dir`: a directory of the test's. Without it a server on PostgreSQL would keep
   * uploads in `./data/uploads` of the working directory, the repository.
   */
  uploadsDir: string;
  /** Settings as NATTER_* variables, over the test process's environment. */
  env?: Record<string, string>;
}

/** Starts `natter serve` as its own process and answers once it accepts requests. */
export async function startCliServer({
  port,
  databaseUrl,
  uploadsDir,
  env = {},
}: CliServerOptions): Promise<CliServer> {
  const listenOn = port ?? (await freePort());
  const args = ["serve", "--port", String(listenOn), "--db", databaseUrl, "--uploads-dir", uploadsDir];
  const child = spawn(process.execPath, [NATTER_CLI, ...args], {
    stdio: ["ignore", "pipe", "inherit"],
    env: { ...process.env, NATTER_LOG_LEVEL: "info", ...env },
    cwd: cliWorkingDir(),
  });
  let output = "";
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on("data", (chunk) => {
      output += String(chunk);
      if (output.includes("natter listening")) resolve();
    });
    void exited.then(() => reject(new Error(`natter serve exited with ${child.exitCode}: ${output}`)));
  });
  const end = async (signal: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    await exited;
  };
  return {
    url: `http://127.0.0.1:${listenOn}`,
    port: listenOn,
    child,
    output: () => output,
    kill: () => end("SIGKILL"),
    stop: () => end("SIGTERM"),
  };
}
