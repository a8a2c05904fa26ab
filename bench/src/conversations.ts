/**
 * What reactions and threads cost. Two measures, each interleaved side by side in one run
 * against one natter on a SQLite file, reported as medians and their ratio:
 * - a history page of 50 messages that each carry 10 reactions and a thread summary, against
 *   a page of 50 plain messages (the reader is one of the reactors, so `me` is worked out);
 * - a reaction (`PUT …/reactions/{emoji}`) against a send (`POST …/messages`).
 * Pages are timed one at a time in alternation (medians), and again in alternating blocks of
 * `BLOCK` pages of one kind (the block's wall and CPU time over its pages): a bigger answer
 * leaves work behind it (garbage collection, socket clean-up) that alternation counts against
 * the next page, of the other kind, and a block counts against its own kind. The two differ
 * most by garbage collection: scavenges come every few MB allocated on either side, so the
 * decorated page (twice the bytes and ~550 more objects) pays about twice as many; a median of
 * single pages leaves out the few pages that paid one, a block's mean counts them. On a loaded
 * machine a scavenge (helper threads waiting for a core) takes 1–50 ms instead of ~1, so blocks'
 * wall time is the noisier figure: compare their CPU beside it.
 * natter runs in a child process (`serve`), so the server's CPU time is told apart from the
 * client's (fetch, decoding and `JSON.parse` of the answer, which grow with it too); both are
 * reported, with the garbage collection of each side in the blocks.
 *
 *   npm run bench:conversations                                   (SQLite)
 *   CONVERSATIONS_DATABASE=postgres npm run bench:conversations   (a fresh database at CONVERSATIONS_POSTGRES_URL's server)
 *   CONVERSATIONS_BEFORE=/path/to/built/checkout npm run bench:conversations
 *
 * CONVERSATIONS_BEFORE names a built checkout of another commit: its natter (its own `serve`, in
 * a child process of its own, on a database of its own) is measured beside this one's, every
 * measure interleaved (single pages: each repetition reads both natters' pages, the order of the
 * natters turned every two repetitions; blocks likewise), so both meet the same load; a last line
 * gives each measure's decorated / plain ratio before and now. Without it the measures and their
 * order are as they were.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { type PerformanceEntry, PerformanceObserver } from "node:perf_hooks";
import { loadConfig, startNatterServer } from "natter";
import { fetchJson } from "./natter-rest.js";
import { scratchPostgres } from "./scratch-postgres.js";
import { BenchChild, serveChild } from "./server-process.js";
import { fixed, median } from "./stats.js";

const REPETITIONS = Number(process.env.REPETITIONS ?? 200);
const BLOCK = Number(process.env.BLOCK ?? 20);
const PAGE = 50;
const REACTORS = 10;
const EMOJI = ["👍", "🎉", "❤️", "😂", "🚀", "👀", "🙏", "🔥", "✅", "💯"];

const MODULE = import.meta.url;
const POSTGRES = process.env.CONVERSATIONS_DATABASE === "postgres";
const POSTGRES_URL = process.env.CONVERSATIONS_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
/** A built checkout of another commit, measured beside this one (its `serve`), interleaved. */
const BEFORE = process.env.CONVERSATIONS_BEFORE;

interface Gc {
  pauses: number;
  ms: number;
}

/** Garbage collection of this process so far: pauses and their total, in ms. */
function gcCounter(): Gc {
  const gc = { pauses: 0, ms: 0 };
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries() as PerformanceEntry[]) {
      gc.pauses++;
      gc.ms += entry.duration;
    }
  }).observe({ entryTypes: ["gc"] });
  return gc;
}

async function serve(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "natter-bench-conversations-"));
  const config = loadConfig(
    {
      port: 0,
      databaseUrl: process.env.CONVERSATIONS_DATABASE_URL ?? join(dir, "natter.db"),
      logLevel: "silent",
      rateLimits: "off",
    },
    {},
  );
  const server = await startNatterServer({ config });
  const gc = gcCounter();
  serveChild(server.url, {
    stats: () => ({ ...gc }),
    stop: async () => {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  });
}

if (process.argv[2] === "serve") await serve();
else await bench();

/** One natter under test: this checkout's, or CONVERSATIONS_BEFORE's; its rooms and reader once set up. */
interface Target {
  label: string;
  server: BenchChild<string>;
  reader: { id: string; token: string };
  users: { id: string; token: string }[];
  rooms: { plain: string; busy: string };
}

type Kind = "plain" | "busy";

/** What one target measured: alternating single pages (wall and CPU), blocks, per kind. */
function samples() {
  const perKind = () => ({
    wall: [] as number[],
    client: [] as number[],
    server: [] as number[],
    blockWall: [] as number[],
    blockClient: [] as number[],
    blockServer: [] as number[],
    blockClientGc: [] as number[],
    blockServerGc: [] as number[],
  });
  return { plain: perKind(), busy: perKind() };
}

/** Starts a target's natter and sets up its rooms; `cleanUps` gets its clean-up as soon as there is one. */
async function startTarget(label: string, module: string, cleanUps: (() => Promise<void>)[]): Promise<Target> {
  const database = POSTGRES ? await scratchPostgres(POSTGRES_URL, "natter_conversations_bench") : undefined;
  if (database) cleanUps.push(database.drop);
  const server = await BenchChild.start<string>(
    module,
    ["serve"],
    database ? { CONVERSATIONS_DATABASE_URL: database.url } : {},
  );
  cleanUps.unshift(() => server.stop());
  const call = (method: string, path: string, token?: string, body?: unknown) =>
    fetchJson(server.info, method, path, token, body);
  const users = await Promise.all(
    Array.from({ length: REACTORS }, async (_, i) => {
      const { user, token } = await call("POST", "/users", undefined, {
        username: `bench_${process.pid}_${i}`,
        password: "correct horse battery",
      });
      return { id: user.id as string, token: token as string };
    }),
  );
  const [reader] = users as [(typeof users)[number]];
  const memberIds = users.slice(1).map((user) => user.id);
  const plain = (await call("POST", "/rooms", reader.token, { name: "plain", memberIds })).room.id;
  const busy = (await call("POST", "/rooms", reader.token, { name: "busy", memberIds })).room.id;
  for (let i = 0; i < PAGE; i++) {
    await call("POST", `/rooms/${plain}/messages`, reader.token, { body: `plain ${i}` });
    const root = (await call("POST", `/rooms/${busy}/messages`, reader.token, { body: `busy ${i}` })).message;
    await Promise.all(
      users.map((user, u) =>
        call(
          "PUT",
          `/rooms/${busy}/messages/${root.id}/reactions/${encodeURIComponent(EMOJI[u] as string)}`,
          user.token,
        ),
      ),
    );
    await call("POST", `/rooms/${busy}/messages`, users[1]?.token, { body: "reply", threadId: root.id });
  }
  const check = await call("GET", `/rooms/${busy}/messages?limit=${PAGE}`, reader.token);
  if (check.messages.length !== PAGE || check.messages.some((m: { reactions: unknown[] }) => m.reactions.length !== 10))
    throw new Error("the decorated page is not 50 messages with 10 reactions each");
  return { label, server, reader, users, rooms: { plain, busy } };
}

async function bench(): Promise<void> {
  const targets: Target[] = [];
  // Servers stop before their databases are dropped.
  const cleanUps: (() => Promise<void>)[] = [];
  const clientGc = gcCounter();
  try {
    targets.push(await startTarget("", MODULE, cleanUps));
    if (BEFORE) targets.push(await startTarget("before ", `file://${BEFORE}/bench/src/conversations.ts`, cleanUps));
    const [main] = targets as [Target];
    const results = new Map(targets.map((target) => [target, samples()]));
    const page = (target: Target, kind: Kind) =>
      fetchJson(target.server.info, "GET", `/rooms/${target.rooms[kind]}/messages?limit=${PAGE}`, target.reader.token);

    /** CPU time (user + system, ms) of the last `timed` call: the client's (this process) and the server's. */
    const lastCpu = { client: 0, server: 0 };

    /**
     * Wall time of `run`, its CPU time in `lastCpu`. The server's is read over IPC before and after,
     * which adds the same small cost to every page.
     */
    async function timed(server: BenchChild<string>, run: () => Promise<unknown>): Promise<number> {
      const serverBefore = await server.cpuMicros();
      const cpu = process.cpuUsage();
      const started = performance.now();
      await run();
      const elapsed = performance.now() - started;
      const used = process.cpuUsage(cpu);
      lastCpu.server = ((await server.cpuMicros()) - serverBefore) / 1000;
      lastCpu.client = (used.user + used.system) / 1000;
      return elapsed;
    }

    for (const target of targets) for (let i = 0; i < 50; i++) await page(target, "busy");
    // Alternating single pages; with a before checkout, its pages in between, the targets' order rotating.
    for (let i = 0; i < REPETITIONS; i++) {
      const kinds: Kind[] = i % 2 === 0 ? ["plain", "busy"] : ["busy", "plain"];
      const order = i % 4 < 2 ? targets : [...targets].reverse();
      for (const target of order) {
        for (const kind of kinds) {
          const of = (results.get(target) as ReturnType<typeof samples>)[kind];
          of.wall.push(await timed(target.server, () => page(target, kind)));
          of.client.push(lastCpu.client);
          of.server.push(lastCpu.server);
        }
      }
    }

    // Alternating blocks, each kind's pages back to back: wall, CPU and GC time per page of the block.
    // Ten blocks of each kind by default: with five, one collection-heavy block moved the median.
    for (let i = 0; i < Math.max(2, Math.round((2 * REPETITIONS) / BLOCK)); i++) {
      const kinds: Kind[] = i % 2 === 0 ? ["plain", "busy"] : ["busy", "plain"];
      const order = i % 4 < 2 ? targets : [...targets].reverse();
      for (const target of order) {
        for (const kind of kinds) {
          const { server } = target;
          const [serverCpu, serverGc] = [await server.cpuMicros(), await server.stats<Gc>()];
          const gcBefore = { ...clientGc };
          const cpu = process.cpuUsage();
          const started = performance.now();
          for (let n = 0; n < BLOCK; n++) await page(target, kind);
          const of = (results.get(target) as ReturnType<typeof samples>)[kind];
          of.blockWall.push((performance.now() - started) / BLOCK);
          const used = process.cpuUsage(cpu);
          of.blockClient.push((used.user + used.system) / 1000 / BLOCK);
          of.blockServer.push(((await server.cpuMicros()) - serverCpu) / 1000 / BLOCK);
          of.blockClientGc.push((clientGc.ms - gcBefore.ms) / BLOCK);
          of.blockServerGc.push(((await server.stats<Gc>()).ms - serverGc.ms) / BLOCK);
        }
      }
    }

    const sends: number[] = [];
    const reactions: number[] = [];
    const call = (method: string, path: string, token?: string, body?: unknown) =>
      fetchJson(main.server.info, method, path, token, body);
    for (let i = 0; i < REPETITIONS; i++) {
      let messageId = "";
      sends.push(
        await timed(main.server, async () => {
          messageId = (
            await call("POST", `/rooms/${main.rooms.plain}/messages`, main.reader.token, { body: `send ${i}` })
          ).message.id;
        }),
      );
      const user = main.users[i % main.users.length] as Target["reader"];
      reactions.push(
        await timed(main.server, () =>
          call(
            "PUT",
            `/rooms/${main.rooms.plain}/messages/${messageId}/reactions/${encodeURIComponent("👍")}`,
            user.token,
          ),
        ),
      );
    }

    console.log(
      `conversations bench, ${POSTGRES ? "PostgreSQL" : "SQLite"}, ${REPETITIONS} interleaved repetitions${
        BEFORE ? `, beside ${BEFORE}` : ""
      }, load average ${loadavg()
        .map((l) => fixed(l, 2))
        .join(" ")}`,
    );
    // Means: most blocks collect nothing, so their medians would hide the collections.
    const mean = (values: readonly number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;
    /** Each target's decorated / plain ratio of one measure, for the before/after line. */
    const ratios = new Map<string, number[]>();
    for (const target of targets) {
      const { plain, busy } = results.get(target) as ReturnType<typeof samples>;
      const ratioLine = (label: string, of: (kind: typeof plain) => number[], goal = "", average = median) => {
        const [pm, bm] = [average(of(plain)), average(of(busy))];
        ratios.set(label, [...(ratios.get(label) ?? []), bm / pm]);
        console.log(
          `  ${target.label}${label}: plain ${fixed(pm)} ms, decorated ${fixed(bm)} ms, ratio ${fixed(bm / pm)}x${goal}`,
        );
      };
      const [p, d] = [median(plain.wall), median(busy.wall)];
      console.log(`  ${target.label}history page of ${PAGE} plain messages                 median ${fixed(p)} ms`);
      console.log(`  ${target.label}history page of ${PAGE} with 10 reactions + thread each  median ${fixed(d)} ms`);
      console.log(`  ${target.label}ratio decorated / plain: ${fixed(d / p)}x (goal <= 1.3x)`);
      ratios.set("alternating wall", [...(ratios.get("alternating wall") ?? []), d / p]);
      const both = (of: typeof plain) => of.client.map((client, i) => client + (of.server[i] ?? 0));
      ratioLine("CPU per page, server", (of) => of.server);
      ratioLine("CPU per page, client (fetch, decode, JSON.parse)", (of) => of.client);
      ratioLine("CPU per page, both", both);
      console.log(`  ${target.label}in blocks of ${BLOCK} pages, per page:`);
      ratioLine("  wall", (of) => of.blockWall, " (goal <= 1.3x)");
      ratioLine("  CPU, server", (of) => of.blockServer);
      ratioLine("  CPU, client", (of) => of.blockClient);
      ratioLine("  GC (mean), server", (of) => of.blockServerGc, "", mean);
      ratioLine("  GC (mean), client", (of) => of.blockClientGc, "", mean);
    }
    if (BEFORE) {
      const line = [...ratios].map(
        ([label, [now, before]]) => `${label.trim()} ${fixed(before ?? 0)} -> ${fixed(now ?? 0)}x`,
      );
      console.log(`  decorated / plain, before -> this checkout: ${line.join("; ")}`);
    }
    const s = median(sends);
    const r = median(reactions);
    console.log(`  send (POST messages)   median ${fixed(s)} ms`);
    console.log(`  reaction (PUT emoji)   median ${fixed(r)} ms`);
    console.log(`  ratio reaction / send: ${fixed(r / s)}x`);
  } finally {
    for (const cleanUp of cleanUps) await cleanUp();
  }
}
