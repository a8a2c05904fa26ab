import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  createRoom,
  createTestDatabase,
  deleteRedisKeys,
  redisUnavailable,
  registerWebhook,
  rest,
  startTestServer,
  startWebhookReceiver,
  TEST_REDIS_URL,
  testRedisPrefix,
} from "../harness/index.js";
import { waitFor } from "../messages/room-fixtures.js";

/*
 * `webhookDelivery: false` (NATTER_WEBHOOK_DELIVERY): the node stores its writes' deliveries
 * in the outbox with the events, and sends none of them, however long it runs; a delivering
 * node on the same database sends each once, signed, with the `webhook-id` listed while it
 * waited.
 */
it("a node with delivery off queues deliveries and sends none; a delivering node sends them once", async () => {
  const dir = mkdtempSync(join(tmpdir(), "natter-webhook-delivery-off-"));
  const database = await createTestDatabase(dir);
  const receiver = await startWebhookReceiver();
  const config = { webhookAllowPrivateNetworks: true, webhookTimeoutMs: 2000, webhookPollIntervalMs: 20 };
  let delivering: Awaited<ReturnType<typeof startTestServer>> | undefined;
  try {
    const quiet = await startTestServer({ dir, database, config: { ...config, webhookDelivery: false } });
    const { admin, webhookId } = await registerWebhook(quiet, receiver);
    const room = await createRoom(quiet.url, admin.token);
    for (const body of ["one", "two"]) {
      await rest(quiet.url, "POST", `/rooms/${room.id}/messages`, { token: admin.token, body: { body } });
    }
    expect((await rest(quiet.url, "POST", `/admin/webhooks/${webhookId}/test`, { token: admin.token })).status).toBe(
      200,
    );
    const listed = async (url: string) =>
      (await rest(url, "GET", `/admin/webhooks/${webhookId}/deliveries`, { token: admin.token })).body.deliveries as {
        id: string;
        status: string;
        attempts: number;
      }[];
    // Many of the node's 20 ms polls go by (each of the 50 requests is a round trip of its own).
    for (let i = 0; i < 50; i++) await listed(quiet.url);
    const waiting = await listed(quiet.url);
    expect(waiting.map((d) => `${d.status} ${d.attempts}`)).toEqual(["pending 0", "pending 0", "pending 0"]);
    await quiet.stop();
    expect(receiver.received).toEqual([]);

    delivering = await startTestServer({ dir, database, config });
    await waitFor("all three delivered", () => receiver.received.length === 3);
    expect(new Set(receiver.received.map((r) => r.id))).toEqual(new Set(waiting.map((d) => d.id)));
    for (const request of receiver.received) expect(request.verifiedBy).toEqual([0]);
    const server = delivering;
    await expect
      .poll(async () => (await listed(server.url)).map((d) => `${d.status} ${d.attempts}`), { timeout: 10_000 })
      .toEqual(["delivered 1", "delivered 1", "delivered 1"]);
    expect(receiver.received).toHaveLength(3);
  } finally {
    await delivering?.stop();
    await receiver.close();
    await database.drop();
    rmSync(dir, { recursive: true, force: true });
  }
});

const redisMissing = await redisUnavailable();

/*
 * With Redis, a node with delivery off wakes the delivering nodes when it queues deliveries:
 * here the delivering node's polls are ten minutes apart, so only the wake-up can send them.
 */
describe.skipIf(redisMissing !== undefined)("delivery off, beside a delivering node on Redis", () => {
  it("wakes the delivering node, which sends each delivery once", async () => {
    const dir = mkdtempSync(join(tmpdir(), "natter-webhook-delivery-off-redis-"));
    const database = await createTestDatabase(dir);
    const receiver = await startWebhookReceiver();
    const prefix = testRedisPrefix();
    const config = {
      webhookAllowPrivateNetworks: true,
      webhookTimeoutMs: 2000,
      webhookPollIntervalMs: 600_000,
      redisUrl: TEST_REDIS_URL,
      redisPrefix: prefix,
    };
    const delivering = await startTestServer({ dir: join(dir, "delivering"), database, config });
    const quiet = await startTestServer({
      dir: join(dir, "quiet"),
      database,
      config: { ...config, webhookDelivery: false },
    });
    try {
      const { admin } = await registerWebhook(quiet, receiver);
      const room = await createRoom(quiet.url, admin.token);
      for (const body of ["one", "two", "three"]) {
        await rest(quiet.url, "POST", `/rooms/${room.id}/messages`, { token: admin.token, body: { body } });
        await waitFor(`"${body}" delivered`, () => receiver.received.some((r) => r.data.message?.body === body));
      }
      expect(receiver.received.map((r) => r.data.message.body)).toEqual(["one", "two", "three"]);
    } finally {
      await quiet.stop();
      await delivering.stop();
      await receiver.close();
      await deleteRedisKeys(prefix);
      await database.drop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
