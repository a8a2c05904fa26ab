/** CPU time of processes outside the bench's own children: PostgreSQL backends, Redis. */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import type { Database } from "@natter/db";
import { type Kysely, sql } from "kysely";

/** The processes named `name` (Redis is one process, serving other clients of this machine too). */
export function pidsNamed(name: string): string[] {
  try {
    return execFileSync("pgrep", ["-x", name], { encoding: "utf8" }).split("\n").filter(Boolean);
  } catch {
    return [];
  }
}

/** The PostgreSQL backends serving the bench's database, and no other client of the server. */
export async function backendsOf(maintenance: Kysely<Database>, database: string): Promise<string[]> {
  const rows = await sql<{ pid: number }>`select pid from pg_stat_activity where datname = ${database}`.execute(
    maintenance,
  );
  return rows.rows.map((row) => String(row.pid));
}

/** CPU time (user + system) of each of these processes, in microseconds; one /proc cannot read is left out. */
export function processCpuMicros(pids: readonly string[]): Map<string, number> {
  const micros = new Map<string, number>();
  for (const pid of pids) {
    try {
      // Fields after the parenthesised command name; utime and stime are the 14th and 15th.
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      micros.set(pid, ((Number(fields[11]) + Number(fields[12])) / 100) * 1_000_000);
    } catch {
      // The process ended meanwhile.
    }
  }
  return micros;
}

/** CPU spent between two readings by the processes of the second (one that started meanwhile counts whole). */
export function cpuSpent(before: Map<string, number>, after: Map<string, number>): number {
  let spent = 0;
  for (const [pid, micros] of after) spent += micros - (before.get(pid) ?? 0);
  return spent;
}

/** What the scheduler counted of a process so far: CPU time by kind (µs) and its main thread's context switches. */
export interface Scheduling {
  user: number;
  system: number;
  /** Switches away from the CPU, voluntary (waiting for I/O) and not (preempted). */
  switches: number;
  /** Time on a CPU (µs) of the main thread alone, to the ns: the rest is V8's and libuv's worker threads. */
  mainThread: number;
}

/** The scheduler's counts of each of these processes, summed; one /proc cannot read is left out. */
export function schedulingOf(pids: readonly (string | number)[]): Scheduling {
  const total: Scheduling = { user: 0, system: 0, switches: 0, mainThread: 0 };
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      total.user += (Number(fields[11]) / 100) * 1_000_000;
      total.system += (Number(fields[12]) / 100) * 1_000_000;
      // The scheduler's own count of the thread's time on a CPU, in ns: `stat`'s clock ticks
      // (10 ms) are a round's CPU time over again in their rounding, read twice a round.
      const [onCpuNs] = readFileSync(`/proc/${pid}/task/${pid}/schedstat`, "utf8").split(" ");
      total.mainThread += Number(onCpuNs) / 1000;
      const status = readFileSync(`/proc/${pid}/status`, "utf8");
      for (const match of status.matchAll(/^(?:non)?voluntary_ctxt_switches:\s+(\d+)/gm))
        total.switches += Number(match[1]);
    } catch {
      // The process ended meanwhile.
    }
  }
  return total;
}
