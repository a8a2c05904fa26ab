import "./dom-globals.js";
import { useUnread } from "@natter/react";
import { renderHook } from "@testing-library/react";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { ManualClock, signUpMany, startTestServer, type TestServer } from "../harness/index.js";
import { newRoom, send } from "../messages/room-fixtures.js";
import { type FlakyProxy, startFlakyProxy } from "../sdk/flaky-proxy.js";
import { natterWrapper, reactClient, WAIT } from "./react-fixtures.js";

const DAY_MS = 24 * 60 * 60 * 1000;

describe("useUnread when its inbox cannot resume", () => {
  const clock = new ManualClock();
  let server: TestServer;
  let proxy: FlakyProxy;
  const clients: ReturnType<typeof reactClient>[] = [];
  beforeAll(async () => {
    // Sessions outlive the 8 days the clock jumps: it is the inbox that must have moved on, not the token.
    server = await startTestServer({ clock, config: { rateLimits: "off", sessionIdleTtlSeconds: 20 * 86_400 } });
    proxy = await startFlakyProxy(server.url, { dropChance: 1, seed: 21 });
  });
  afterAll(async () => {
    await Promise.all(clients.map((client) => client.close()));
    await proxy?.close();
    await server?.stop();
  });

  it("reads the counts again after RESYNC_REQUIRED, and counts what it missed", async () => {
    const [alice, bob] = await signUpMany(server.url, 2);
    const roomId = await newRoom(server.url, bob, { members: [alice] });
    await send(server.url, bob, roomId, "old");
    const client = reactClient(proxy.url, alice.token, clients);
    const { result } = renderHook(() => useUnread(), { wrapper: natterWrapper(client) });
    await vi.waitFor(() => expect(result.current.status).toBe("live"), WAIT);
    expect(result.current.rooms[roomId]).toEqual({ unread: 1, mentions: 0 });

    // Alice's network goes: the entry of this message cuts her stream, and she never gets it.
    proxy.setDropping(true);
    await send(server.url, bob, roomId, "missed");
    await vi.waitFor(() => expect(proxy.drops).toBeGreaterThan(0), WAIT);
    // Eight days on, the missed entry is pruned: her position can no longer be resumed from.
    clock.advance(8 * DAY_MS);
    await send(server.url, bob, roomId, `recent @${alice.username}`);
    expect(await server.services.inbox.prune()).toBeGreaterThan(0);

    proxy.setDropping(false);
    await vi.waitFor(() => {
      expect(result.current.rooms[roomId]).toEqual({ unread: 3, mentions: 1 });
      expect(result.current.status).toBe("live");
    }, WAIT);
    // Live again from the reloaded counts' position.
    await send(server.url, bob, roomId, "after");
    await vi.waitFor(() => expect(result.current.rooms[roomId]).toEqual({ unread: 4, mentions: 1 }), WAIT);
  });
});
