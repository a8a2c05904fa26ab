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

async function bench(): Promise<void> {
  const database = POSTGRES ? await scratchPostgres(POSTGRES_URL, "natter_conversations_bench") : undefined;
  const server = await BenchChild.start<string>(
    MODULE,
    ["serve"],
    database ? { CONVERSATIONS_DATABASE_URL: database.url } : {},
  );
  const clientGc = gcCounter();

  const call = (method: string, path: string, token?: string, body?: unknown) =>
    fetchJson(server.info, method, path, token, body);

  /** CPU time (user + system, ms) of the last `timed` call: the client's (this process) and the server's. */
  const lastCpu = { client: 0, server: 0 };

  /**
   * Wall time of `run`, its CPU time in `lastCpu`. The server's is read over IPC before and after,
   * which adds the same small cost to every page.
   */
  async function timed(run: () => Promise<unknown>): Promise<number> {
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

  try {
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
    if (
      check.messages.length !== PAGE ||
      check.messages.some((m: { reactions: unknown[] }) => m.reactions.length !== 10)
    )
      throw new Error("the decorated page is not 50 messages with 10 reactions each");

    const plainPage: number[] = [];
    const busyPage: number[] = [];
    // CPU time beside wall time: on a machine loaded by others, waiting for a core inflates wall time alone.
    const cpuOf = {
      plain: { client: [] as number[], server: [] as number[] },
      busy: { client: [] as number[], server: [] as number[] },
    };
    for (let i = 0; i < 50; i++) await call("GET", `/rooms/${busy}/messages?limit=${PAGE}`, reader.token);
    for (let i = 0; i < REPETITIONS; i++) {
      const order = i % 2 === 0;
      const a = () => timed(() => call("GET", `/rooms/${plain}/messages?limit=${PAGE}`, reader.token));
      const b = () => timed(() => call("GET", `/rooms/${busy}/messages?limit=${PAGE}`, reader.token));
      const plainRun = async () => {
        plainPage.push(await a());
        cpuOf.plain.client.push(lastCpu.client);
        cpuOf.plain.server.push(lastCpu.server);
      };
      const busyRun = async () => {
        busyPage.push(await b());
        cpuOf.busy.client.push(lastCpu.client);
        cpuOf.busy.server.push(lastCpu.server);
      };
      if (order) {
        await plainRun();
        await busyRun();
      } else {
        await busyRun();
        await plainRun();
      }
    }

    // Alternating blocks, each kind's pages back to back: wall, CPU and GC time per page of the block.
    const perPage = () => ({
      wall: [] as number[],
      client: [] as number[],
      server: [] as number[],
      clientGc: [] as number[],
      serverGc: [] as number[],
    });
    const blocks = { plain: perPage(), busy: perPage() };
    const pageOf = { plain: `/rooms/${plain}/messages?limit=${PAGE}`, busy: `/rooms/${busy}/messages?limit=${PAGE}` };
    // Ten blocks of each kind by default: with five, one collection-heavy block moved the median.
    for (let i = 0; i < Math.max(2, Math.round((2 * REPETITIONS) / BLOCK)); i++) {
      for (const kind of i % 2 === 0 ? (["plain", "busy"] as const) : (["busy", "plain"] as const)) {
        const [serverCpu, serverGc] = [await server.cpuMicros(), await server.stats<Gc>()];
        const gcBefore = { ...clientGc };
        const cpu = process.cpuUsage();
        const started = performance.now();
        for (let page = 0; page < BLOCK; page++) await call("GET", pageOf[kind], reader.token);
        const block = blocks[kind];
        block.wall.push((performance.now() - started) / BLOCK);
        const used = process.cpuUsage(cpu);
        block.client.push((used.user + used.system) / 1000 / BLOCK);
        block.server.push(((await server.cpuMicros()) - serverCpu) / 1000 / BLOCK);
        block.clientGc.push((clientGc.ms - gcBefore.ms) / BLOCK);
        block.serverGc.push(((await server.stats<Gc>()).ms - serverGc.ms) / BLOCK);
      }
    }

    const sends: number[] = [];
    const reactions: number[] = [];
    for (let i = 0; i < REPETITIONS; i++) {
      let messageId = "";
      sends.push(
        await timed(async () => {
          messageId = (await call("POST", `/rooms/${plain}/messages`, reader.token, { body: `send ${i}` })).message.id;
        }),
      );
      const user = users[i % users.length] as (typeof users)[number];
      reactions.push(
        await timed(() =>
          call("PUT", `/rooms/${plain}/messages/${messageId}/reactions/${encodeURIComponent("👍")}`, user.token),
        ),
      );
    }

    const p = median(plainPage);
    const d = median(busyPage);
    const s = median(sends);
    const r = median(reactions);
    console.log(
      `conversations bench, ${POSTGRES ? "PostgreSQL" : "SQLite"}, ${REPETITIONS} interleaved repetitions, load average ${loadavg()
        .map((l) => fixed(l, 2))
        .join(" ")}`,
    );
    console.log(`  history page of ${PAGE} plain messages                 median ${fixed(p)} ms`);
    console.log(`  history page of ${PAGE} with 10 reactions + thread each  median ${fixed(d)} ms`);
    console.log(`  ratio decorated / plain: ${fixed(d / p)}x (goal <= 1.3x)`);
    const ratioLine = (label: string, of: { plain: number[]; busy: number[] }, goal = "", average = median) => {
      const [pm, bm] = [average(of.plain), average(of.busy)];
      console.log(`  ${label}: plain ${fixed(pm)} ms, decorated ${fixed(bm)} ms, ratio ${fixed(bm / pm)}x${goal}`);
    };
    const side = (what: "client" | "server") => ({ plain: cpuOf.plain[what], busy: cpuOf.busy[what] });
    const both = (kind: "plain" | "busy") =>
      cpuOf[kind].client.map((client, i) => client + (cpuOf[kind].server[i] ?? 0));
    ratioLine("CPU per page, server", side("server"));
    ratioLine("CPU per page, client (fetch, decode, JSON.parse)", side("client"));
    ratioLine("CPU per page, both", { plain: both("plain"), busy: both("busy") });
    console.log(`  in blocks of ${BLOCK} pages, per page:`);
    const blockSide = (what: keyof ReturnType<typeof perPage>) => ({
      plain: blocks.plain[what],
      busy: blocks.busy[what],
    });
    ratioLine("  wall", blockSide("wall"), " (goal <= 1.3x)");
    ratioLine("  CPU, server", blockSide("server"));
    ratioLine("  CPU, client", blockSide("client"));
    // Means: most blocks collect nothing, so their medians would hide the collections.
    const mean = (values: readonly number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;
    ratioLine("  GC (mean), server", blockSide("serverGc"), "", mean);
    ratioLine("  GC (mean), client", blockSide("clientGc"), "", mean);
    console.log(`  send (POST messages)   median ${fixed(s)} ms`);
    console.log(`  reaction (PUT emoji)   median ${fixed(r)} ms`);
    console.log(`  ratio reaction / send: ${fixed(r / s)}x`);
  } finally {
    await server.stop();
    await database?.drop();
  }
}
