import { openDatabase } from "@natter/db";
import { afterAll, describe, expect, it } from "vitest";
import {
  type CliServer,
  crashDeployment,
  createRoom,
  grantServerAdmin,
  rest,
  signUp,
  startWebhookReceiver,
  TEST_WITH_REDIS,
  type WebhookReceiver,
} from "../harness/index.js";
import { waitFor } from "../messages/room-fixtures.js";

const ROOMS = 3;
const MESSAGES_PER_ROOM = 8;

/**
 * Webhook deliveries survive `kill -9` of the node sending them: killed while deliveries wait
 * for their retry, while an attempt hangs, and right after events were committed. On SQLite
 * the restarted node finishes; with PostgreSQL and Redis a second node is running all along,
 * and whichever node is left or restarted takes over once the dead node's claims lapse.
 */
describe("webhook deliveries across kill -9 of the delivering node", () => {
  const deployment = crashDeployment("webhook-crash", {
    NATTER_WEBHOOK_ALLOW_PRIVATE_NETWORKS: "true",
    NATTER_WEBHOOK_TIMEOUT_MS: "1500",
    NATTER_WEBHOOK_POLL_INTERVAL_MS: "100",
  });
  const { nodes } = deployment;
  let receiver: WebhookReceiver | undefined;
  afterAll(async () => {
    await receiver?.close();
    await deployment.close();
  });

  it("loses and doubles nothing: every event arrives, once per webhook-id, in seq order per room", {
    timeout: 180_000,
  }, async () => {
    // A retry (CI runs a failed test once more) starts without the first try's receiver either.
    await receiver?.close();
    receiver = undefined;
    const databaseUrl = await deployment.reset();
    for (let i = 0; i < (TEST_WITH_REDIS ? 2 : 1); i += 1) nodes.push(await deployment.serve());
    const live = () => (nodes.find((node) => node.child.exitCode === null) ?? nodes[0]) as CliServer;
    /**
     * Kills the nodes at `indexes` with SIGKILL at once (a hanging attempt ends unrecorded, as
     * in a crash, not by its timeout), runs `whileDown`, and starts them again on their ports.
     */
    const crash = async (indexes: number[], whileDown: () => void = () => {}) => {
      await Promise.all(indexes.map((index) => nodes[index]?.kill()));
      whileDown();
      for (const index of indexes) nodes[index] = await deployment.serve((nodes[index] as CliServer).port);
    };
    const every = () => nodes.map((_, index) => index);

    const target = await startWebhookReceiver();
    receiver = target;
    const admin = await signUp(live().url);
    await grantServerAdmin(databaseUrl, admin.username);
    const registered = await rest(live().url, "POST", "/admin/webhooks", {
      token: admin.token,
      body: { url: target.url, events: ["message.created"] },
    });
    expect(registered.status).toBe(201);
    target.secrets.push(registered.body.secret);
    const owner = await signUp(live().url);
    const rooms = await Promise.all(Array.from({ length: ROOMS }, () => createRoom(live().url, owner.token)));
    const sent = new Map<string, string>();
    const say = async (roomIndex: number, body: string) => {
      const room = rooms[roomIndex % ROOMS] as { id: string };
      const res = await rest(live().url, "POST", `/rooms/${room.id}/messages`, { token: owner.token, body: { body } });
      expect(res.status).toBe(201);
      sent.set(res.body.message.id, room.id);
    };

    // 1. Killed while every room's first delivery waits for its retry.
    target.respondWith({ status: 500 });
    for (let i = 0; i < MESSAGES_PER_ROOM - 2; i += 1) for (let r = 0; r < ROOMS; r += 1) await say(r, `m${i}`);
    await waitFor("a failed attempt per room", () => target.received.length >= ROOMS);
    const before = target.received.length;
    await crash(every(), () => target.respondWith({ status: "hang" }));

    // 2. Killed while an attempt hangs (after its retry came due on the restarted node).
    await waitFor("a hanging attempt", () => target.received.length > before, 30_000);
    await crash(every(), () => target.respondWith({ status: 200 }));

    // 3. Killed right after events were committed, before they could be sent (with PostgreSQL
    // and Redis, the other node goes on meanwhile).
    for (let r = 0; r < ROOMS; r += 1) await say(r, "late a");
    await crash([0]);
    for (let r = 0; r < ROOMS; r += 1) await say(r, "late b");

    await waitFor("every event delivered", () => target.unique().length >= sent.size, 90_000);
    const unique = target.unique();
    expect(unique).toHaveLength(ROOMS * MESSAGES_PER_ROOM);
    // Each message's event under exactly one webhook-id, every request verified.
    expect(new Set(unique.map((request) => request.data.message.id))).toEqual(new Set(sent.keys()));
    for (const request of target.received) expect(request.verifiedBy).toEqual([0]);
    // In seq order per room, as first received.
    for (const room of rooms) {
      const seqs = unique.filter((request) => request.data.roomId === room.id).map((request) => request.data.seq);
      expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
      expect(seqs).toHaveLength(MESSAGES_PER_ROOM);
    }
    const database = openDatabase(databaseUrl);
    try {
      // A 2xx answer is written by the worker's next claim, within its wake-up delay of the answer.
      await expect
        .poll(
          async () =>
            (await database.db.selectFrom("webhook_deliveries").select(["status"]).execute()).map((row) => row.status),
          { timeout: 10_000, interval: 50 },
        )
        .toEqual(Array.from({ length: ROOMS * MESSAGES_PER_ROOM }, () => "delivered"));
    } finally {
      await database.close();
    }
    console.log(
      `webhook crash test: ${nodes.length} node(s), ${target.received.length} requests for ${unique.length} deliveries`,
    );
  });
});
