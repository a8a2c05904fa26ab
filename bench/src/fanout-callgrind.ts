/**
 * Instructions a send costs `bench:fanout`'s servers, counted by callgrind, which the machine's
 * load does not move (the fan-out's deliveries/s and CPU figures it does): natter's server or
 * the bare durable peer (`fanout.ts serve-natter` / `serve-durable`, of this checkout or of
 * CALLGRIND_CHECKOUT's) runs under `valgrind --tool=callgrind --instr-atstart=no`, one thread
 * a file; this process sends CALLGRIND_WARMUP messages as `bench:fanout`'s publisher does (REST,
 * CALLGRIND_IN_FLIGHT at a time), turns the instrumentation on, sends CALLGRIND_SENDS more,
 * and turns it off. With CALLGRIND_WATCHERS the room has that many watchers (in a process of
 * their own, `watchers.ts`), so each message's deliveries are counted with it.
 *
 *   node --conditions=natter-source --import tsx src/fanout-callgrind.ts
 *   CALLGRIND_KIND=durable CALLGRIND_WATCHERS=10 CALLGRIND_OUT=/tmp/cg/durable.%p.out node --conditions=natter-source --import tsx src/fanout-callgrind.ts
 *   CALLGRIND_NODE_FLAGS="--perf-basic-prof --interpreted-frames-native-stack" …   (JIT code named in /tmp/perf-<pid>.map)
 *
 * With `--conditions=natter-source` natter runs from its sources under tsx, whose `keepNames` wraps
 * every closure made at run time in an `Object.defineProperty` (~50k instructions a send that a
 * built natter does not run); without it, natter's built `dist/` (build the checkout first).
 *
 * The main thread is the file ending `-01`: `callgrind_annotate <file>-01`, its total divided by
 * CALLGRIND_SENDS is the instructions a send (V8's compiler and GC threads are the other files).
 */
import { fork } from "node:child_process";
import { callgrindControl, callgrindWrapper } from "./callgrind.js";
import { postJson as rest } from "./natter-rest.js";
import { BenchChild } from "./server-process.js";
import { runWatchers } from "./watchers.js";

const KIND = process.env.CALLGRIND_KIND === "durable" ? "durable" : "natter";
/** A checkout (its sources, run with `natter-source`) whose server is measured instead of this one's. */
const CHECKOUT = process.env.CALLGRIND_CHECKOUT ?? new URL("../..", import.meta.url).pathname;
const WARMUP = Number(process.env.CALLGRIND_WARMUP ?? 1500);
const SENDS = Number(process.env.CALLGRIND_SENDS ?? 400);
/** As `bench:fanout`'s publisher (FANOUT_SENDERS). */
const IN_FLIGHT = Number(process.env.CALLGRIND_IN_FLIGHT ?? 4);
const WATCHERS = Number(process.env.CALLGRIND_WATCHERS ?? 0);
const OUT = process.env.CALLGRIND_OUT ?? `/tmp/callgrind-fanout/${KIND}.%p.out`;
const FILLER = " the quick brown fox jumps over the lazy dog while the team ships the next release";

/** The server under callgrind, and a function that sends one message to it as the fan-out's publisher does. */
async function startServer() {
  const [valgrind, ...valgrindArgs] = callgrindWrapper(OUT);
  const child = fork(`${CHECKOUT}/bench/src/fanout.ts`, [`serve-${KIND}`], {
    stdio: "inherit",
    env: { ...process.env, NATTER_RATE_LIMITS: "off" },
    execPath: valgrind,
    execArgv: [
      ...valgrindArgs,
      process.execPath,
      ...process.execArgv,
      ...(process.env.CALLGRIND_NODE_FLAGS?.split(" ").filter(Boolean) ?? []),
    ],
  });
  const url = await new Promise<string>((resolve) =>
    child.on("message", (message: { type: string; info?: unknown }) => {
      if (message.type === "ready") resolve(message.info as string);
    }),
  );
  if (KIND === "durable") {
    const target = (await (await fetch(`${url}/target`)).json()) as { token: string; roomId: string };
    const path = `/rooms/${target.roomId}/messages`;
    return { child, url, roomId: target.roomId, send: (body: string) => rest(url, path, { body }, target.token) };
  }
  const owner = await rest(url, "/users", { username: `callgrind_${Date.now()}`, password: "bench password" });
  const { room } = await rest(url, "/rooms", { name: "fan-out", open: true }, owner.token);
  const path = `/rooms/${room.id}/messages`;
  return { child, url, roomId: room.id as string, send: (body: string) => rest(url, path, { body }, owner.token) };
}

async function main(): Promise<void> {
  const { child, url, roomId, send } = await startServer();
  let watchers: BenchChild<null> | undefined;
  if (WATCHERS > 0) {
    watchers = await BenchChild.start<null>(import.meta.url, ["watch"]);
    await watchers.command({ type: "connect", kind: KIND, url, count: WATCHERS, roomId });
    while ((await watchers.command<number>({ type: "heard" })) < WATCHERS) await send(`warm-up${FILLER}`);
  }
  const sendAll = async (count: number) => {
    let next = 0;
    await Promise.all(
      Array.from({ length: IN_FLIGHT }, async () => {
        while (next < count) await send(`#${next++}@${Date.now()}${FILLER}`);
      }),
    );
  };
  await sendAll(WARMUP);
  callgrindControl(child.pid as number, "-i", "on");
  await sendAll(SENDS);
  callgrindControl(child.pid as number, "-i", "off");
  console.log(
    `${KIND}: ${SENDS} sends counted (${WATCHERS} watchers); main thread: ${OUT.replace("%p", String(child.pid))}-01`,
  );
  await watchers?.stop();
  child.send({ type: "stop" });
  await new Promise((resolve) => child.once("exit", resolve));
}

if (process.argv[2] === "watch") runWatchers();
else await main();
