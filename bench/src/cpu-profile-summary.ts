/**
 * Summarises V8 CPU profiles (`node --cpu-prof`) by self time: the functions that spent the
 * most, and the same grouped by where their code lives (natter's packages by file, others by
 * package, V8 and Node's own), so two profiles can be compared side by side.
 *
 *   cd bench && node --import tsx src/cpu-profile-summary.ts <file.cpuprofile>... [--top N]
 *
 * Under load the profiler's samples are wall-clock: a system call (a socket's `writev`) that
 * waits for a CPU is counted as busy. Compare CPU with `process.cpuUsage`, not this.
 */
import { readFileSync } from "node:fs";

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

const args = process.argv.slice(2);
const topAt = args.indexOf("--top");
const top = topAt >= 0 ? Number(args[topAt + 1]) : 30;
const files = args.filter((arg, i) => arg !== "--top" && i !== topAt + 1);
for (const file of files) {
  const profile = JSON.parse(readFileSync(file, "utf8")) as Profile;
  console.log(`${file}: ${((profile.endTime - profile.startTime) / 1e6).toFixed(1)} s profiled`);
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
}
