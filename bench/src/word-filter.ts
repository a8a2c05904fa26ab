/**
 * What the word filter adds to a send. Two natter servers, each on its own SQLite file: one
 * with no blocked terms, one with 1,000 (half reject, half mask, none of them in the bodies, so
 * every send is stored), sent to in turn (the order alternating), reported as medians and their
 * ratio (goal <= 1.05x). Also the filter alone: the median time to check one body against the
 * 1,000 terms, in process.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig, type NatterServer, startNatterServer } from "natter";
import { WordFilter } from "../../server/src/services/moderation/word-filter.js";
import { fetchJson } from "./natter-rest.js";
import { fixed, median } from "./stats.js";

const REPETITIONS = Number(process.env.REPETITIONS ?? 400);
const TERMS = Array.from({ length: 1000 }, (_, i) => ({
  term: i % 10 === 0 ? `blocked phrase ${i}` : `blockedword${i}`,
  mode: i % 2 === 0 ? ("reject" as const) : ("mask" as const),
}));
const BODY =
  "Morning all! The deploy of the café's ordering app went out at 9:40, crème brûlée is back on the menu, " +
  "and the build is green again after Tuesday's flaky test. Ping @ops if the queue backs up — thanks, Zoë";

const dir = mkdtempSync(join(tmpdir(), "natter-bench-word-filter-"));

async function start(name: string): Promise<NatterServer> {
  const databaseUrl = join(dir, `${name}.db`);
  return startNatterServer({ config: loadConfig({ port: 0, databaseUrl, logLevel: "silent", rateLimits: "off" }, {}) });
}

const call = fetchJson;

const plain = await start("plain");
const filtered = await start("filtered");
try {
  const setUp = async (server: NatterServer, withTerms: boolean) => {
    const { token, user } = await call(server.url, "POST", "/users", undefined, {
      username: `bench_${process.pid}`,
      password: "correct horse battery",
    });
    if (withTerms) {
      const { setServerAdmin } = await import("natter");
      const { openDatabase } = await import("@natter/db");
      const database = openDatabase(join(dir, "filtered.db"));
      await setServerAdmin(database.db, user.username, true, Date.now());
      await database.close();
      await call(server.url, "PUT", "/admin/blocked-terms", token, { terms: TERMS });
    }
    const room = (await call(server.url, "POST", "/rooms", token, { name: "bench" })).room.id as string;
    return { base: server.url, token: token as string, room };
  };
  const a = await setUp(plain, false);
  const b = await setUp(filtered, true);
  const send = async (target: typeof a) => {
    const started = performance.now();
    await call(target.base, "POST", `/rooms/${target.room}/messages`, target.token, { body: BODY });
    return performance.now() - started;
  };
  for (let i = 0; i < 50; i++) {
    await send(a);
    await send(b);
  }
  const without: number[] = [];
  const withTerms: number[] = [];
  for (let i = 0; i < REPETITIONS; i++) {
    if (i % 2 === 0) {
      without.push(await send(a));
      withTerms.push(await send(b));
    } else {
      withTerms.push(await send(b));
      without.push(await send(a));
    }
  }
  const filter = new WordFilter(TERMS);
  const alone: number[] = [];
  for (let i = 0; i < 2000; i++) {
    const started = performance.now();
    filter.apply(BODY);
    alone.push(performance.now() - started);
  }
  const x = median(without);
  const y = median(withTerms);
  console.log(
    `word-filter bench, ${REPETITIONS} interleaved sends each, load average ${loadavg()
      .map((l) => fixed(l, 2))
      .join(" ")}`,
  );
  console.log(`  send, no blocked terms       median ${fixed(x, 3)} ms`);
  console.log(`  send, 1,000 blocked terms    median ${fixed(y, 3)} ms`);
  console.log(`  ratio: ${fixed(y / x, 3)}x (goal <= 1.05x)`);
  console.log(`  the filter alone on a ${BODY.length}-character body: median ${fixed(median(alone) * 1000, 1)} µs`);
} finally {
  await plain.close();
  await filtered.close();
  rmSync(dir, { recursive: true, force: true });
}
