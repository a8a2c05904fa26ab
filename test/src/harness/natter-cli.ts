import { spawn } from "node:child_process";
import { NATTER_CLI } from "./cli-server.js";

export interface NatterRunOptions {
  env?: Record<string, string>;
  /** Written to its standard input, which is then closed (not a terminal). */
  input?: string;
}

/** Runs the CLI to completion; answers its exit code and output instead of throwing. */
export function natter(args: string[], { env = {}, input = "" }: NatterRunOptions = {}) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(process.execPath, [NATTER_CLI, ...args], { env: { ...process.env, ...env } });
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
