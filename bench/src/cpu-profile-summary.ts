/**
 * Summarises V8 CPU profiles (`node --cpu-prof`) by self time: the functions that spent the
 * most, and the same grouped by where their code lives (natter's packages by file, others by
 * package, V8 and Node's own), so two profiles can be compared side by side; then by area of
 * a request (HTTP, tRPC, validation, auth, database statements by what ran them, events,
 * inbox, metrics, GC), start-up left out, with `--per N` also as µs per request for N requests.
 *
 *   cd bench && node --import tsx src/cpu-profile-summary.ts <file.cpuprofile>... [--top N] [--per N]
 *     [--marks <marks.json> --window <label>]
 *
 * `--marks` and `--window`: only the samples taken between a mark `<label> start` and the next
 * `<label> end` of that file (a bench child's `marks.<pid>.json`, `server-process.ts`), such as
 * bench:inbox's measured rounds of one kind.
 *
 * Under load the profiler's samples are wall-clock: a system call (a socket's `writev`) that
 * waits for a CPU is counted as busy. Compare CPU with `process.cpuUsage`, not this.
 */
import { readFileSync } from "node:fs";
import type { Mark } from "./server-process.js";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** Where a function's code lives: a natter file, a package, or the runtime's own. */
function placeOf(url: string): string {
  if (url === "") return "(runtime: V8, GC, idle, native)";
  if (url.startsWith("node:")) return url;
  const pkg = url.match(/node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?((?:@[^/]+\/)?[^/]+)/);
  if (pkg) return `package ${pkg[1]}`;
  const own = url.match(/\/((?:server|db|shared|bench|client-sdk)\/(?:src|dist)\/.*)$/);
  return own ? (own[1] as string) : url;
}

/** Self time (µs) per key, from the samples and their time deltas. */
function selfTimes(profile: Profile, keyOf: (node: ProfileNode) => string): Map<string, number> {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const totals = new Map<string, number>();
  profile.samples.forEach((id, i) => {
    const node = byId.get(id);
    if (!node) return;
    const key = keyOf(node);
    totals.set(key, (totals.get(key) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  return totals;
}

/**
 * Inclusive time (µs) per key: a sample counts for every key on its stack (once each), so a
 * function's figure is the time spent in it and all it called.
 */
function totalTimes(profile: Profile, keyOf: (node: ProfileNode) => string | undefined): Map<string, number> {
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const totals = new Map<string, number>();
  profile.samples.forEach((id, i) => {
    const keys = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const node = byId.get(at);
      const key = node && keyOf(node);
      if (key) keys.add(key);
    }
    for (const key of keys) totals.set(key, (totals.get(key) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  return totals;
}

function print(title: string, totals: Map<string, number>, top: number, excluded: Set<string>): void {
  const counted = [...totals].filter(([key]) => !excluded.has(key));
  const sum = counted.reduce((a, [, v]) => a + v, 0);
  console.log(`  ${title} (busy ${(sum / 1000).toFixed(0)} ms)`);
  for (const [key, micros] of counted.sort((a, b) => b[1] - a[1]).slice(0, top)) {
    console.log(
      `    ${((micros / sum) * 100).toFixed(1).padStart(5)}%  ${(micros / 1000).toFixed(1).padStart(8)} ms  ${key}`,
    );
  }
}

/**
 * The areas of a request, by where a frame's code lives, tried from the sampled frame up its
 * stack: the first frame with an area names the sample's (a socket write under `pg` is the
 * database's, under `node:_http_outgoing` HTTP's). Node's generic internals have none.
 */
const AREAS: readonly [RegExp, string][] = [
  [/^\(garbage collector\)/, "GC"],
  [/^\(idle\)/, "idle"],
  [/^\((program|root)\)/, "V8 (program)"],
  [/node:internal\/modules|package tsx|node:internal\/bootstrap|migrations\/|startNatterServer/, "start-up"],
  [/commitTransaction|beginTransaction|rollbackTransaction/, "db: begin and commit"],
  [/events\/inbox-log|services\/inbox\//, "inbox"],
  [/stats\/stat-counters/, "stat counters"],
  [
    /package (kysely|pg|pg-protocol|pg-pool|better-sqlite3)|db\/(dist|src)\/(?!ids\/)|metrics\/query-timing/,
    "db: statements",
  ],
  [/package zod|shared\/(dist|src)\/schemas/, "validation (zod)"],
  [/package @trpc|server\/(dist|src)\/trpc\//, "tRPC"],
  [/server\/(dist|src)\/auth\/|services\/accounts\/|http\/bearer-token|node:internal\/crypto/, "auth and session"],
  [/package prom-client|server\/(dist|src)\/metrics\//, "metrics"],
  [/server\/(dist|src)\/(events|ws|live)\/|package ws/, "events, encoding, live delivery"],
  [/webhooks\/|push\//, "webhooks and push outboxes"],
  [/room-writes\//, "room writer (batches, savepoints)"],
  [/services\/|server\/(dist|src)\/routers\/|db\/(dist|src)\/ids\//, "send logic (services, routers, ids)"],
  [/node:_http|server\/(dist|src)\/http\//, "HTTP (parse, route, respond, response writes)"],
];

/** Self time (µs) per area; database statements also by the natter function that ran them. */
function areaTimes(profile: Profile): Map<string, number> {
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const label = (node: ProfileNode) => `${node.callFrame.functionName} ${placeOf(node.callFrame.url)}`;
  const totals = new Map<string, number>();
  profile.samples.forEach((id, i) => {
    let area = "other";
    let at: number | undefined = id;
    for (; at !== undefined; at = parent.get(at)) {
      const node = byId.get(at) as ProfileNode;
      const found = AREAS.find(([pattern]) => pattern.test(label(node)));
      if (found) {
        area = found[1];
        break;
      }
    }
    // Start-up is found anywhere on the stack, not only first.
    for (let up = at; up !== undefined; up = parent.get(up)) {
      if (/node:internal\/modules|startNatterServer|migrations\//.test(label(byId.get(up) as ProfileNode))) {
        area = "start-up";
        break;
      }
    }
    if (area === "db: statements") {
      // What ran the statement: a transaction's begin or commit, or the first of natter's own
      // functions above the driver (none when it ran after an `await`: Kysely's own continuation).
      for (let up = at; up !== undefined; up = parent.get(up)) {
        const node = byId.get(up) as ProfileNode;
        const place = placeOf(node.callFrame.url);
        if (/commitTransaction|beginTransaction|rollbackTransaction/.test(node.callFrame.functionName)) {
          area = "db: begin and commit";
          break;
        }
        if (/^(server|db)\//.test(place) && !/db\/dist\/(queries|dialect)|metrics\/query-timing/.test(place)) {
          area = `db: statements of ${node.callFrame.functionName || "(anonymous)"}`;
          break;
        }
      }
    }
    totals.set(area, (totals.get(area) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  return totals;
}

/**
 * The profile with only its samples taken inside the windows `<label> start` … `<label> end` of
 * `marks` (each sample keeps its time delta, so that self and total times stay as they were).
 */
function withinWindows(profile: Profile, marks: readonly Mark[], label: string): Profile {
  const windows: Array<[number, number]> = [];
  let start: number | undefined;
  for (const mark of marks) {
    if (mark.label === `${label} start`) start = mark.at;
    else if (mark.label === `${label} end` && start !== undefined) {
      windows.push([start, mark.at]);
      start = undefined;
    }
  }
  const samples: number[] = [];
  const timeDeltas: number[] = [];
  let at = profile.startTime;
  profile.samples.forEach((sample, i) => {
    const delta = profile.timeDeltas[i] ?? 0;
    at += delta;
    if (windows.some(([from, to]) => at >= from && at <= to)) {
      samples.push(sample);
      timeDeltas.push(delta);
    }
  });
  const kept = timeDeltas.reduce((sum, delta) => sum + delta, 0);
  console.log(`  ${windows.length} windows "${label}": ${(kept / 1e6).toFixed(2)} s of samples kept`);
  return { ...profile, samples, timeDeltas };
}

const args = process.argv.slice(2);
const text = (name: string) => {
  const at = args.indexOf(name);
  return at >= 0 ? args[at + 1] : undefined;
};
const option = (name: string) => {
  const value = text(name);
  return value === undefined ? undefined : Number(value);
};
const top = option("--top") ?? 30;
const per = option("--per");
const marksFile = text("--marks");
const window = text("--window");
const files = args.filter((arg, i) => !arg.startsWith("--") && !args[i - 1]?.startsWith("--"));
for (const file of files) {
  let profile = JSON.parse(readFileSync(file, "utf8")) as Profile;
  console.log(`${file}: ${((profile.endTime - profile.startTime) / 1e6).toFixed(1)} s profiled`);
  if (marksFile && window) {
    profile = withinWindows(profile, JSON.parse(readFileSync(marksFile, "utf8")) as Mark[], window);
  }
  const fn = (node: ProfileNode) =>
    `${node.callFrame.functionName || "(anonymous)"} ${placeOf(node.callFrame.url)}${
      node.callFrame.url ? `:${node.callFrame.lineNumber + 1}` : ""
    }`;
  const functions = selfTimes(profile, fn);
  // Idle time is the event loop waiting, no cost: kept out of the shares.
  const idle = new Set([...functions.keys()].filter((key) => key.startsWith("(idle)")));
  print("functions by self time", functions, top, idle);
  const places = selfTimes(profile, (node) =>
    node.callFrame.functionName === "(idle)" ? "(idle)" : placeOf(node.callFrame.url),
  );
  print("places by self time", places, top, new Set(["(idle)"]));
  // natter's own functions with all they called: what a code path costs.
  const own = totalTimes(profile, (node) => {
    const place = placeOf(node.callFrame.url);
    return /^(server|db|shared)\//.test(place) ? fn(node) : undefined;
  });
  print("natter's functions with what they called (inclusive)", own, top, new Set());
  const areas = areaTimes(profile);
  const notPerRequest = new Set(["start-up", "idle"]);
  print("areas of a request by self time (start-up and idle left out)", areas, top, notPerRequest);
  if (per !== undefined) {
    console.log(`  the same in µs per request, over ${per} requests`);
    for (const [area, micros] of [...areas].sort((a, b) => b[1] - a[1])) {
      if (!notPerRequest.has(area)) console.log(`    ${(micros / per).toFixed(1).padStart(8)} µs  ${area}`);
    }
  }
}
