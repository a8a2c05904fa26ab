import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, it } from "vitest";
import {
  createRoom,
  createTestDatabase,
  registerWebhook,
  rest,
  startTestServer,
  startWebhookReceiver,
} from "../harness/index.js";
import { waitFor } from "../messages/room-fixtures.js";

/*
 * A node stopping while attempts hang ends them at once (its one stop signal destroys every
 * request in flight) and hands their deliveries back: the next node sends them with the same
 * `webhook-id`, and the cut attempts did not count. Everything is made inside the test, so a
 * retry starts from nothing.
 */
it("stopping a node mid-attempt ends its requests at once and hands the deliveries back", async () => {
  const dir = mkdtempSync(join(tmpdir(), "natter-webhook-stop-"));
  const database = await createTestDatabase(dir);
  const receiver = await startWebhookReceiver();
  // Attempts would last 60 s: the stop must not wait for them.
  const config = { webhookAllowPrivateNetworks: true, webhookTimeoutMs: 60_000, webhookPollIntervalMs: 50 };
  let second: Awaited<ReturnType<typeof startTestServer>> | undefined;
  try {
    const first = await startTestServer({ dir, database, config });
    const { admin, webhookId } = await registerWebhook(first, receiver);
    const rooms = [await createRoom(first.url, admin.token), await createRoom(first.url, admin.token)];
    receiver.respondWith({ status: "hang" });
    for (const room of rooms) {
      await rest(first.url, "POST", `/rooms/${room.id}/messages`, { token: admin.token, body: { body: "hang on" } });
    }
    await waitFor("both attempts under way", () => receiver.received.length === 2);
    const stopping = performance.now();
    await first.stop();
    expect(performance.now() - stopping).toBeLessThan(10_000);

    receiver.respondWith({ status: 200 });
    second = await startTestServer({ dir, database, config });
    await waitFor("both sent again", () => receiver.received.length === 4);
    const [cut, again] = [receiver.received.slice(0, 2), receiver.received.slice(2)];
    expect(new Set(again.map((r) => r.id))).toEqual(new Set(cut.map((r) => r.id)));
    for (const request of receiver.received) expect(request.verifiedBy).toEqual([0]);
    const server = second;
    await expect
      .poll(
        async () =>
          (
            await rest(server.url, "GET", `/admin/webhooks/${webhookId}/deliveries`, { token: admin.token })
          ).body.deliveries.map((d: { status: string; attempts: number }) => `${d.status} ${d.attempts}`),
        { timeout: 10_000 },
      )
      .toEqual(["delivered 1", "delivered 1"]);
  } finally {
    await second?.stop();
    await receiver.close();
    await database.drop();
    rmSync(dir, { recursive: true, force: true });
  }
});
