/**
 * What outgoing webhooks cost, in one run (issue 23). Two natter servers, each on its own
 * SQLite file: `plain` with no webhook, `hooked` with one server-wide endpoint subscribed to
 * `message.created`, pointing at a fast local receiver (answers 204 at once, counts distinct
 * `webhook-id`s).
 *
 * 1. The send path: one send at a time, to each server in turn (the order alternating),
 *    medians and their ratio (goal <= 1.1x). The hooked server writes the outbox row in the
 *    send's transaction and delivers it while the next sends come in: both are its cost.
 * 2. Delivery throughput: bursts of BURST messages, CONCURRENCY in flight over ROOMS rooms,
 *    to each server in turn (alternating); for the hooked one, deliveries per second from the
 *    first send to the last delivery received, and how long after the last send's answer the
 *    last delivery arrived. The bursts' send rates side by side give the ratio under load.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { openDatabase } from "@natter/db";
import { loadConfig, type NatterServer, setServerAdmin, startNatterServer } from "natter";
import { postJson } from "./natter-rest.js";
import { fixed, median } from "./stats.js";

const REPETITIONS = Number(process.env.REPETITIONS ?? 400);
const BURST = Number(process.env.BURST ?? 1500);
const BURST_REPS = Number(process.env.BURST_REPS ?? 3);
const CONCURRENCY = Number(process.env.CONCURRENCY ?? 16);
const ROOMS = Number(process.env.ROOMS ?? 16);
const BODY = "The build of main passed: 1,902 tests in 20 min, coverage unchanged. Deploying to staging now.";

const dir = mkdtempSync(join(tmpdir(), "natter-bench-webhooks-"));

/** Distinct deliveries seen by the receiver, and when the newest arrived. */
const seen = new Set<string>();
let lastDeliveryAt = 0;
const receiver = createServer((req, res) => {
  req.on("error", () => res.destroy());
  req.resume();
  req.on("end", () => {
    const id = String(req.headers["webhook-id"] ?? "");
    if (id && !seen.has(id)) {
      seen.add(id);
      lastDeliveryAt = performance.now();
    }
    res.writeHead(204).end();
  });
});
await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
const receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;

async function start(name: string): Promise<NatterServer> {
  const databaseUrl = join(dir, `${name}.db`);
  return startNatterServer({
    config: loadConfig(
      { port: 0, databaseUrl, logLevel: "silent", rateLimits: "off", webhookAllowPrivateNetworks: true },
      {},
    ),
  });
}

interface Target {
  base: string;
  token: string;
  rooms: string[];
}

async function setUp(server: NatterServer, name: string, hooked: boolean): Promise<Target> {
  const { token, user } = await postJson(server.url, "/users", {
    username: `bench_${name}`,
    password: "correct horse battery",
  });
  if (hooked) {
    const database = openDatabase(join(dir, `${name}.db`));
    await setServerAdmin(database.db, user.username, true, Date.now());
    await database.close();
    await postJson(server.url, "/admin/webhooks", { url: receiverUrl, events: ["message.created"] }, token);
  }
  const rooms: string[] = [];
  for (let i = 0; i < ROOMS; i++) {
    rooms.push((await postJson(server.url, "/rooms", { name: `bench ${i}` }, token)).room.id);
  }
  return { base: server.url, token, rooms };
}

const send = (target: Target, room: string) =>
  postJson(target.base, `/rooms/${room}/messages`, { body: BODY }, target.token);

async function timedSend(target: Target): Promise<number> {
  const started = performance.now();
  await send(target, target.rooms[0] as string);
  return performance.now() - started;
}

/** BURST sends, CONCURRENCY at a time over the rooms; the time they took. */
async function burst(target: Target): Promise<{ started: number; ended: number }> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < BURST) {
        const i = next++;
        await send(target, target.rooms[i % target.rooms.length] as string);
      }
    }),
  );
  return { started, ended: performance.now() };
}

async function allDelivered(count: number): Promise<void> {
  const deadline = performance.now() + 120_000;
  while (seen.size < count) {
    if (performance.now() > deadline) throw new Error(`only ${seen.size} of ${count} deliveries arrived`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

const plainServer = await start("plain");
const hookedServer = await start("hooked");
try {
  const plain = await setUp(plainServer, "plain", false);
  const hooked = await setUp(hookedServer, "hooked", true);
  const loadBefore = loadavg();

  // Warm-up, then the send path, interleaved.
  for (let i = 0; i < 50; i++) {
    await timedSend(plain);
    await timedSend(hooked);
  }
  const without: number[] = [];
  const withHook: number[] = [];
  for (let i = 0; i < REPETITIONS; i++) {
    if (i % 2 === 0) {
      without.push(await timedSend(plain));
      withHook.push(await timedSend(hooked));
    } else {
      withHook.push(await timedSend(hooked));
      without.push(await timedSend(plain));
    }
  }
  let expected = 50 + REPETITIONS;
  await allDelivered(expected);

  // Bursts, interleaved.
  const plainRates: number[] = [];
  const hookedRates: number[] = [];
  const deliveryRates: number[] = [];
  const lags: number[] = [];
  for (let rep = 0; rep < BURST_REPS; rep++) {
    const order = rep % 2 === 0 ? ["plain", "hooked"] : ["hooked", "plain"];
    for (const which of order) {
      if (which === "plain") {
        const { started, ended } = await burst(plain);
        plainRates.push(BURST / ((ended - started) / 1000));
      } else {
        const { started, ended } = await burst(hooked);
        expected += BURST;
        await allDelivered(expected);
        hookedRates.push(BURST / ((ended - started) / 1000));
        deliveryRates.push(BURST / ((lastDeliveryAt - started) / 1000));
        lags.push(Math.max(0, lastDeliveryAt - ended));
      }
    }
  }
  const loadAfter = loadavg();

  const load = (l: number[]) => l.map((x) => fixed(x, 2)).join(" ");
  const x = median(without);
  const y = median(withHook);
  console.log(
    `webhooks bench (SQLite, in one process with its receiver): load average ${load(loadBefore)} before, ${load(loadAfter)} after`,
  );
  console.log(`1. the send path, ${REPETITIONS} interleaved sends each`);
  console.log(`  send, no webhook                 median ${fixed(x, 3)} ms`);
  console.log(`  send, one webhook endpoint       median ${fixed(y, 3)} ms`);
  console.log(`  ratio: ${fixed(y / x, 3)}x (goal <= 1.1x)`);
  console.log(
    `2. bursts of ${BURST} sends, ${CONCURRENCY} in flight over ${ROOMS} rooms, ${BURST_REPS} interleaved reps (medians)`,
  );
  const pr = median(plainRates);
  const hr = median(hookedRates);
  console.log(`  send rate, no webhook            ${fixed(pr, 0)} messages/s`);
  console.log(`  send rate, one webhook endpoint  ${fixed(hr, 0)} messages/s (ratio ${fixed(pr / hr, 3)}x)`);
  console.log(
    `  delivery throughput              ${fixed(median(deliveryRates), 0)} deliveries/s, first send to last delivery`,
  );
  console.log(`  last delivery after the last send's answer: median ${fixed(median(lags), 0)} ms`);
  console.log(`  deliveries received: ${seen.size} distinct, expected ${expected}`);
} finally {
  await plainServer.close();
  await hookedServer.close();
  receiver.close();
  rmSync(dir, { recursive: true, force: true });
}
