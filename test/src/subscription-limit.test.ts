import { LIMITS } from "@natter/shared";
import type { TRPCClientError } from "@trpc/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRoom, signUp, startTestServer, type TestServer, wsClient } from "./harness/index.js";
import { waitFor } from "./messages/room-fixtures.js";

describe("subscriptions per WebSocket connection", () => {
  let server: TestServer;
  beforeAll(async () => {
    // Room for many subscribe messages at once: this test is about the subscription cap, not the rate.
    server = await startTestServer({ config: { wsMessagesPerSecond: 10_000, wsMessageBurst: 10_000 } });
  });
  afterAll(() => server.stop());

  it(`are capped at ${LIMITS.maxSubscriptionsPerConnection}; stopping one frees its slot`, async () => {
    const owner = await signUp(server.url);
    const room = await createRoom(server.url, owner.token, { open: true });
    const { client, close } = wsClient(server.url);
    const started: Array<{ unsubscribe(): void }> = [];
    let startedCount = 0;
    const subscribe = (onError: (error: unknown) => void = () => {}) =>
      client.rooms.events.subscribe({ roomId: room.id }, { onStarted: () => (startedCount += 1), onError });

    for (let i = 0; i < LIMITS.maxSubscriptionsPerConnection; i += 1) started.push(subscribe());
    await waitFor("every subscription to start", () => startedCount === LIMITS.maxSubscriptionsPerConnection);

    let refusal: unknown;
    subscribe((error) => {
      refusal = error;
    });
    await waitFor("the refusal", () => refusal !== undefined);
    expect((refusal as TRPCClientError<any>).data?.error?.code).toBe("RATE_LIMITED");

    // The stop reaches the server after the client forgets the subscription: until the
    // server has freed the slot, a new one is refused, so it is asked again until it starts.
    started.pop()?.unsubscribe();
    const before = startedCount;
    let refusals = 0;
    while (startedCount === before) {
      let refused = false;
      const retry = subscribe(() => {
        refused = true;
      });
      await waitFor("the new subscription to start or be refused", () => startedCount > before || refused);
      if (refused) refusals += 1;
      else started.push(retry);
      expect(refusals, "refusals before the freed slot could be taken").toBeLessThan(1_000);
    }
    expect(startedCount).toBe(before + 1);
    for (const subscription of started) subscription.unsubscribe();
    close();
  });
});
