import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync } from "node:fs";
import { dirname } from "node:path";

/**
 * `valgrind --tool=callgrind` as a bench's measured process runs under: counting nothing until
 * told (`callgrindControl(pid, "-i", "on")`), one file per thread at `outFile` (`%p`: the pid;
 * the main thread's ends in `-01`), its folder made.
 */
export function callgrindWrapper(outFile: string): string[] {
  mkdirSync(dirname(outFile), { recursive: true });
  return [
    "valgrind",
    "--tool=callgrind",
    "--instr-atstart=no",
    `--callgrind-out-file=${outFile}`,
    // V8 writes its compiled code into memory valgrind must see change.
    "--smc-check=all-non-file",
    "--separate-threads=yes",
  ];
}

/** Runs `callgrind_control` with `args` (`-i on`, `-i off`, `-d`) on process `pid`, once it has done what they ask. */
export function callgrindControl(pid: number, ...args: string[]): void {
  execFileSync("callgrind_control", [...args, String(pid)], { stdio: "ignore" });
}

/** The instructions a callgrind file counted (its `totals:` line), 0 when it has none. */
export function callgrindTotal(file: string): number {
  return Number(/^totals: (\d+)/m.exec(readFileSync(file, "utf8"))?.[1] ?? 0);
}
