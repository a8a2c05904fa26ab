/**
 * Web Push queue throughput (issue 21): how fast one natter node drains its push outbox to a
 * fast local push service, and whether each notification arrives exactly once.
 *
 * One room of RECIPIENTS members besides the sender, each with one push subscription whose
 * endpoint is a path of a local service on loopback that answers 201 at once and counts the
 * requests per subscription (it does not decrypt: the tests do that; here it would be the
 * service's cost, not natter's). MESSAGES messages, CONCURRENCY in flight, each mentioning every
 * member, so every message queues RECIPIENTS pushes, each encrypted (aes128gcm) and signed
 * (VAPID) by `web-push`. With `NATTER_RATE_LIMITS=off` no connection is counted, so every
 * member counts as away. Reported: deliveries per second from the first send to the last push
 * received, how long after the last send's answer the queue was empty, and the exactly-once
 * count (pushes received per subscription must equal MESSAGES).
 *
 *   npm run bench:push            (RECIPIENTS=20 MESSAGES=100 CONCURRENCY=8 by default)
 */
import { createECDH, randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig, startNatterServer } from "natter";
import { postJson } from "./natter-rest.js";
import { fixed } from "./stats.js";

const RECIPIENTS = Number(process.env.RECIPIENTS ?? 20);
const MESSAGES = Number(process.env.MESSAGES ?? 100);
const CONCURRENCY = Number(process.env.CONCURRENCY ?? 8);

/** Requests received per subscription name, and when the last one came. */
const received = new Map<string, number>();
let lastAt = 0;
const pushService = createServer((req, res) => {
  req.resume();
  req.on("end", () => {
    const name = (req.url ?? "").replace(/^\/push\//, "");
    received.set(name, (received.get(name) ?? 0) + 1);
    lastAt = performance.now();
    res.writeHead(201).end();
  });
});
await new Promise<void>((resolve) => pushService.listen(0, "127.0.0.1", resolve));
const pushOrigin = `http://127.0.0.1:${(pushService.address() as AddressInfo).port}`;

const dir = mkdtempSync(join(tmpdir(), "natter-bench-push-"));
const config = loadConfig(
  {
    port: 0,
    databaseUrl: join(dir, "natter.db"),
    logLevel: "silent",
    rateLimits: "off",
    pushAllowPrivateNetworks: true,
  },
  {},
);
const server = await startNatterServer({ config });

/** Waits until `done()` holds, checking every 5 ms. */
async function until(done: () => boolean, timeoutMs = 300_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

try {
  const users = [];
  for (let i = 0; i <= RECIPIENTS; i++) {
    const { user, token } = await postJson(server.url, "/users", {
      username: `push${process.pid % 1000}u${i}`,
      password: "correct horse battery",
    });
    users.push({ id: user.id as string, username: user.username as string, token: token as string });
  }
  const [sender, ...recipients] = users as [(typeof users)[number], ...typeof users];
  for (const recipient of recipients) {
    const ecdh = createECDH("prime256v1");
    ecdh.generateKeys();
    await postJson(
      server.url,
      "/me/push-subscriptions",
      {
        endpoint: `${pushOrigin}/push/${recipient.id}`,
        keys: { p256dh: ecdh.getPublicKey().toString("base64url"), auth: randomBytes(16).toString("base64url") },
      },
      recipient.token,
    );
  }
  const { room } = await postJson(
    server.url,
    "/rooms",
    { name: "bench", memberIds: recipients.map((r) => r.id) },
    sender.token,
  );
  const mentions = recipients.map((r) => `@${r.username}`).join(" ");
  const expected = MESSAGES * RECIPIENTS;
  const total = () => [...received.values()].reduce((sum, count) => sum + count, 0);

  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < MESSAGES) {
        const i = next++;
        await postJson(server.url, `/rooms/${room.id}/messages`, { body: `${mentions} number ${i}` }, sender.token);
      }
    }),
  );
  const sendsDone = performance.now();
  await until(() => total() >= expected);
  // A moment more for a duplicate to show, if the queue were to send one twice.
  await new Promise((resolve) => setTimeout(resolve, 2_000));
  const counts = recipients.map((r) => received.get(r.id) ?? 0);
  const exact = counts.filter((count) => count === MESSAGES).length;
  const seconds = (lastAt - started) / 1000;
  console.log(`push queue: ${MESSAGES} messages x ${RECIPIENTS} subscriptions = ${expected} pushes, SQLite, one node`);
  console.log(`  deliveries/s (first send to last push): ${fixed(expected / seconds, 0)}`);
  console.log(
    `  sends took ${fixed((sendsDone - started) / 1000, 2)} s; queue empty ${fixed((lastAt - sendsDone) / 1000, 2)} s after the last send`,
  );
  console.log(
    `  received ${total()} of ${expected}; subscriptions with exactly ${MESSAGES}: ${exact} of ${RECIPIENTS}`,
  );
  console.log(
    `  load average: ${loadavg()
      .map((load) => fixed(load, 2))
      .join(" ")}`,
  );
  if (total() !== expected || exact !== RECIPIENTS) process.exitCode = 1;
} finally {
  await server.close();
  pushService.closeAllConnections();
  pushService.close();
  rmSync(dir, { recursive: true, force: true });
}
