/**
 * The send path's server CPU, this checkout's natter against another built checkout's, in
 * blocks that alternate: both servers run at once (each in its own process, on a database of
 * its own), and each round sends BLOCK messages over REST to one, then to the other (the order
 * turns every round), SEND_CONNECTIONS in flight, and reads each server's `process.cpuUsage()`
 * around its block. Load on a shared machine moves from second to second; blocks a second apart
 * see nearly the same load, so the per-round ratio after / before is what this reports (median,
 * interquartile geometric mean, rounds where this checkout was cheaper), with each server's
 * median CPU per send. For changes of a few percent that separate runs (`bench:send` with
 * SEND_BEFORE) cannot tell apart at load.
 *
 *   SEND_BEFORE=/tmp/natter-before npm run bench:send-ab
 *   SEND_BEFORE=<checkout> SEND_AB_ROUNDS=120 SEND_AB_BLOCK=100 SEND_AB_WARMUP=2000 SEND_CONNECTIONS=4 npm run bench:send-ab
 */
import { Agent, request } from "node:http";
import { runInFlight } from "./in-flight.js";
import { BenchChild } from "./server-process.js";
import { interquartileGeometricMean, median } from "./stats.js";

const BEFORE = process.env.SEND_BEFORE;
const ROUNDS = Number(process.env.SEND_AB_ROUNDS ?? 120);
const BLOCK = Number(process.env.SEND_AB_BLOCK ?? 100);
const WARMUP = Number(process.env.SEND_AB_WARMUP ?? 2000);
const CONNECTIONS = Number(process.env.SEND_CONNECTIONS ?? 4);
/** The fan-out bench's publisher body: a sequence number and a time before the filler. */
const BODY = JSON.stringify({
  body: "#123@1733500000000.123 the quick brown fox jumps over the lazy dog while the team ships the next release",
});

/** What `send.ts serve-natter` answers when ready: its URL, a member's token and their room. */
interface Target {
  url: string;
  token: string;
  roomId: string;
}

/** A function that sends `count` messages to the server, CONNECTIONS at a time over keep-alive connections. */
function sender(target: Target): (count: number) => Promise<void> {
  const agent = new Agent({ keepAlive: true, maxSockets: CONNECTIONS });
  const { hostname, port } = new URL(target.url);
  const headers = {
    authorization: `Bearer ${target.token}`,
    "content-type": "application/json",
    "content-length": String(Buffer.byteLength(BODY)),
  };
  const path = `/api/v1/rooms/${target.roomId}/messages`;
  const one = () =>
    new Promise<void>((resolve, reject) => {
      const req = request({ agent, hostname, port, method: "POST", path, headers }, (res) => {
        res.resume();
        res.once("end", () => (res.statusCode === 201 ? resolve() : reject(new Error(`send: ${res.statusCode}`))));
      });
      req.once("error", reject);
      req.end(BODY);
    });
  return (count) => runInFlight(count, CONNECTIONS, one);
}

async function main(): Promise<void> {
  if (!BEFORE) throw new Error("SEND_BEFORE=<a built checkout> names the natter to compare with");
  const env = { NATTER_RATE_LIMITS: "off" };
  const servers = {
    after: await BenchChild.start<Target>(new URL("./send.ts", import.meta.url).href, ["serve-natter"], env),
    before: await BenchChild.start<Target>(`file://${BEFORE}/bench/src/send.ts`, ["serve-natter"], env),
  };
  try {
    const send = { after: sender(servers.after.info), before: sender(servers.before.info) };
    // A long-running server is measured, not one still running its first calls.
    await send.after(WARMUP);
    await send.before(WARMUP);
    const cpu = { after: [] as number[], before: [] as number[] };
    const ratios: number[] = [];
    for (let round = 0; round < ROUNDS; round += 1) {
      const order = round % 2 === 0 ? (["after", "before"] as const) : (["before", "after"] as const);
      for (const name of order) {
        const start = await servers[name].cpuMicros();
        await send[name](BLOCK);
        cpu[name].push(((await servers[name].cpuMicros()) - start) / BLOCK);
      }
      ratios.push((cpu.after[round] as number) / (cpu.before[round] as number));
    }
    const geometric = interquartileGeometricMean(ratios);
    console.log(
      `server CPU µs per send, ${ROUNDS} rounds of ${BLOCK} at ${CONNECTIONS} in flight: ` +
        `this ${median(cpu.after).toFixed(0)}, before ${median(cpu.before).toFixed(0)}; this / before: ` +
        `median ${median(ratios).toFixed(3)}, interquartile geometric mean ${geometric.toFixed(3)}, ` +
        `cheaper in ${ratios.filter((ratio) => ratio < 1).length} of ${ROUNDS} rounds`,
    );
  } finally {
    await servers.after.stop();
    await servers.before.stop();
  }
}

await main();
