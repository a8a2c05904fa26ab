/**
 * What reactions and threads cost. Two measures, each interleaved side by side in one run
 * against one natter on a SQLite file, reported as medians and their ratio:
 * - a history page of 50 messages that each carry 10 reactions and a thread summary, against
 *   a page of 50 plain messages (the reader is one of the reactors, so `me` is worked out);
 * - a reaction (`PUT …/reactions/{emoji}`) against a send (`POST …/messages`).
 * Pages are timed one at a time in alternation (medians), and again in alternating blocks of
 * `BLOCK` pages of one kind (the block's wall and CPU time over its pages): a bigger answer
 * leaves work behind it (garbage collection, socket clean-up) that alternation counts against
 * the next page, of the other kind, and a block counts against its own kind.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig, startNatterServer } from "natter";
import { fixed, median } from "./stats.js";

const REPETITIONS = Number(process.env.REPETITIONS ?? 200);
const BLOCK = Number(process.env.BLOCK ?? 20);
const PAGE = 50;
const REACTORS = 10;
const EMOJI = ["👍", "🎉", "❤️", "😂", "🚀", "👀", "🙏", "🔥", "✅", "💯"];

const dir = mkdtempSync(join(tmpdir(), "natter-bench-conversations-"));
const config = loadConfig({ port: 0, databaseUrl: join(dir, "natter.db"), logLevel: "silent", rateLimits: "off" }, {});
const server = await startNatterServer({ config });
const base = `${server.url}/api/v1`;

async function call(method: string, path: string, token?: string, body?: unknown) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: {
      ...(token && { authorization: `Bearer ${token}` }),
      ...(body !== undefined && { "content-type": "application/json" }),
    },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

/** CPU time (user + system, ms) of the last `timed` call: the client and the server share this process. */
let lastCpu = 0;

async function timed(run: () => Promise<unknown>): Promise<number> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  await run();
  const elapsed = performance.now() - started;
  const used = process.cpuUsage(cpu);
  lastCpu = (used.user + used.system) / 1000;
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
  if (check.messages.length !== PAGE || check.messages.some((m: { reactions: unknown[] }) => m.reactions.length !== 10))
    throw new Error("the decorated page is not 50 messages with 10 reactions each");

  const plainPage: number[] = [];
  const busyPage: number[] = [];
  // CPU time beside wall time: on a machine loaded by others, waiting for a core inflates wall time alone.
  const plainCpu: number[] = [];
  const busyCpu: number[] = [];
  for (let i = 0; i < 50; i++) await call("GET", `/rooms/${busy}/messages?limit=${PAGE}`, reader.token);
  for (let i = 0; i < REPETITIONS; i++) {
    const order = i % 2 === 0;
    const a = () => timed(() => call("GET", `/rooms/${plain}/messages?limit=${PAGE}`, reader.token));
    const b = () => timed(() => call("GET", `/rooms/${busy}/messages?limit=${PAGE}`, reader.token));
    const plainRun = async () => {
      plainPage.push(await a());
      plainCpu.push(lastCpu);
    };
    const busyRun = async () => {
      busyPage.push(await b());
      busyCpu.push(lastCpu);
    };
    if (order) {
      await plainRun();
      await busyRun();
    } else {
      await busyRun();
      await plainRun();
    }
  }

  // Alternating blocks, each kind's pages back to back: wall and CPU time per page of the block.
  const blockWall = { plain: [] as number[], busy: [] as number[] };
  const blockCpu = { plain: [] as number[], busy: [] as number[] };
  const pageOf = { plain: `/rooms/${plain}/messages?limit=${PAGE}`, busy: `/rooms/${busy}/messages?limit=${PAGE}` };
  for (let i = 0; i < Math.max(2, Math.round(REPETITIONS / BLOCK)); i++) {
    for (const kind of i % 2 === 0 ? (["plain", "busy"] as const) : (["busy", "plain"] as const)) {
      const cpu = process.cpuUsage();
      const started = performance.now();
      for (let page = 0; page < BLOCK; page++) await call("GET", pageOf[kind], reader.token);
      blockWall[kind].push((performance.now() - started) / BLOCK);
      const used = process.cpuUsage(cpu);
      blockCpu[kind].push((used.user + used.system) / 1000 / BLOCK);
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
    `conversations bench, ${REPETITIONS} interleaved repetitions, load average ${loadavg()
      .map((l) => fixed(l, 2))
      .join(" ")}`,
  );
  console.log(`  history page of ${PAGE} plain messages                 median ${fixed(p)} ms`);
  console.log(`  history page of ${PAGE} with 10 reactions + thread each  median ${fixed(d)} ms`);
  console.log(`  ratio decorated / plain: ${fixed(d / p)}x (goal <= 1.3x)`);
  const pc = median(plainCpu);
  const dc = median(busyCpu);
  console.log(
    `  CPU per page (client + server): plain ${fixed(pc)} ms, decorated ${fixed(dc)} ms, ratio ${fixed(dc / pc)}x`,
  );
  const bw = { plain: median(blockWall.plain), busy: median(blockWall.busy) };
  const bc = { plain: median(blockCpu.plain), busy: median(blockCpu.busy) };
  console.log(
    `  in blocks of ${BLOCK} pages: wall per page plain ${fixed(bw.plain)} ms, decorated ${fixed(bw.busy)} ms, ratio ${fixed(bw.busy / bw.plain)}x (goal <= 1.3x); CPU ratio ${fixed(bc.busy / bc.plain)}x`,
  );
  console.log(`  send (POST messages)   median ${fixed(s)} ms`);
  console.log(`  reaction (PUT emoji)   median ${fixed(r)} ms`);
  console.log(`  ratio reaction / send: ${fixed(r / s)}x`);
} finally {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
}
