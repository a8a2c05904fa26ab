import { openDatabase } from "@natter/db";
import { afterAll, describe, expect, it, vi } from "vitest";
import {
  type CliServer,
  crashDeployment,
  type PushService,
  signUpMany,
  startPushService,
  TEST_WITH_REDIS,
} from "../harness/index.js";
import { newRoom, send } from "../messages/room-fixtures.js";
import { subscribe } from "../push/push-fixtures.js";

/** How many mentions: the first in flight at the kill, two queued behind it, two sent after. */
const MENTIONS = 5;
/**
 * One attempt's timeout: long enough that the hanging attempt is still in flight when the
 * test kills its node (it kills after starting node B and sending two mentions, which took
 * 3.6–4.0 s on a machine at load 11–13), short enough that the claim (this plus the worker's
 * 5 s margin) lapses well inside the test's time.
 */
const PUSH_TIMEOUT_MS = 8_000;

/**
 * Web Push notifications survive `kill -9` of the node sending them: a node killed while its
 * attempt hangs at the push service never recorded it, so the notification stays claimed by
 * the dead node until the claim lapses, then is sent by whichever node is left (a second node
 * on the same database and Redis, with PostgreSQL) or restarted (SQLite, one process per file,
 * as in the webhook crash test). Nothing is lost, nothing is answered twice, in order.
 */
describe("Web Push across kill -9 of the sending node", () => {
  const deployment = crashDeployment("push-crash", {
    NATTER_PUSH_ALLOW_PRIVATE_NETWORKS: "true",
    NATTER_PUSH_TIMEOUT_MS: String(PUSH_TIMEOUT_MS),
    NATTER_PUSH_POLL_INTERVAL_MS: "100",
  });
  const { nodes } = deployment;
  let push: PushService | undefined;
  afterAll(async () => {
    await push?.close();
    await deployment.close();
  });

  it("pushes every mention exactly once after the node with one in flight was killed", {
    timeout: 60_000,
  }, async () => {
    // A retry (CI runs a failed test once more) starts without the first try's push service either.
    await push?.close();
    push = undefined;
    const databaseUrl = await deployment.reset();
    const service = await startPushService();
    push = service;
    // Node A alone first, so that it is the one that claims the first notification.
    nodes.push(await deployment.serve());
    const nodeA = nodes[0] as CliServer;
    const [alice, bob] = await signUpMany(nodeA.url, 2);
    const room = await newRoom(nodeA.url, alice, { members: [bob] });
    // Bob is subscribed and never connects: every mention of him is pushed.
    const name = `crash-${bob.id}`;
    const subscriptionId = await subscribe(nodeA.url, bob, service.subscription(name));
    const sent: string[] = [];
    const mention = async (url: string) => {
      sent.push((await send(url, alice, room, `@${bob.username} number ${sent.length}`)).id);
    };

    // 1. The first notification hangs at the push service, in flight on node A.
    service.answer(name, { status: "hang" });
    await mention(nodeA.url);
    await vi.waitFor(() => expect(service.to(name)).toHaveLength(1), { timeout: PUSH_TIMEOUT_MS, interval: 10 });
    const inFlight = service.to(name)[0];
    // With PostgreSQL and Redis a second node runs from now on, beside the hanging attempt.
    if (TEST_WITH_REDIS) nodes.push(await deployment.serve());
    const survivor = () => nodes[nodes.length - 1] as CliServer;
    // 2. Two more queue behind it (one subscription's notifications go in order).
    await mention(survivor().url);
    await mention(survivor().url);

    // 3. Killed with the attempt unanswered: node A never learns how it went.
    await nodeA.kill();
    expect(service.to(name)).toHaveLength(1);
    expect(inFlight?.answered).toBe("hung");
    expect(inFlight?.notification.messageId).toBe(sent[0]);
    // The push service answers normally from now on (the held request's connection is gone).
    service.answer(name, { status: 201 });
    // On SQLite the node comes back on its port; with PostgreSQL node B was there all along.
    if (!TEST_WITH_REDIS) nodes[0] = await deployment.serve(nodeA.port);
    for (let i = 0; i < MENTIONS - 3; i++) await mention(survivor().url);

    // 4. Whoever is left sends all of them once the dead node's claim has lapsed.
    await expect
      .poll(() => service.to(name).filter((p) => p.answered === 201).length, {
        timeout: PUSH_TIMEOUT_MS + 5_000 + 15_000,
        interval: 50,
      })
      .toBe(MENTIONS);
    const database = openDatabase(databaseUrl);
    try {
      // Settled: nothing pending, so no further request can come.
      await expect
        .poll(
          async () =>
            (
              await database.db
                .selectFrom("push_deliveries")
                .select(["status", "attempts"])
                .where("subscription_id", "=", subscriptionId)
                .execute()
            ).map((row) => `${row.status}/${row.attempts}`),
          { timeout: 10_000, interval: 50 },
        )
        .toEqual(Array.from({ length: MENTIONS }, () => "delivered/1"));
    } finally {
      await database.close();
    }
    expect(service.errors).toEqual([]);
    const afterKill = service.to(name).slice(1);
    // Exactly once per (subscription, message) after the kill, decrypted and signed, in order.
    expect(afterKill.map((p) => p.notification.messageId)).toEqual(sent);
    expect(afterKill.every((p) => p.answered === 201 && p.vapidValid)).toBe(true);
    console.log(
      `push crash test: ${nodes.length} node(s), ${service.received.length} requests for ${MENTIONS} notifications`,
    );
  });
});
