import type { TRPCClientError } from "@trpc/client";
import type { AppRouter } from "natter";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ManualClock, rest, signUpMany, startTestServer, type TestServer, wsClient } from "../harness/index.js";
import { newRoom, send } from "../messages/room-fixtures.js";
import { watchInbox } from "./inbox-fixtures.js";

const DAY_MS = 24 * 60 * 60 * 1000;

describe("the inbox past its 7-day resume window", () => {
  const clock = new ManualClock();
  let server: TestServer;
  const clients: Array<{ close(): void }> = [];
  beforeAll(async () => {
    // Sessions outlive the 8 days the clock jumps: it is the inbox that must have moved on, not the token.
    server = await startTestServer({ clock, config: { rateLimits: "off", sessionIdleTtlSeconds: 20 * 86_400 } });
  });
  afterAll(async () => {
    for (const client of clients) client.close();
    await server?.stop();
  });

  it("answers RESYNC_REQUIRED to a position whose entries were pruned, and resumes from the unread counts' inboxSeq", async () => {
    const [alice, bob] = await signUpMany(server.url, 2);
    const roomId = await newRoom(server.url, bob, { members: [alice] });
    await send(server.url, bob, roomId, "old");
    clock.advance(8 * DAY_MS);
    await send(server.url, bob, roomId, "recent");
    // What the prune timer runs: the entries older than 7 days go (each user's room.added and
    // first message.created: 2 of alice's, 2 of bob's), the recent ones stay.
    expect(await server.services.inbox.prune()).toBe(4);

    const connect = () => {
      const client = wsClient(server.url, { token: alice.token });
      clients.push(client);
      return client.client;
    };
    const stale = watchInbox(connect(), "1");
    await stale.until("a refusal", () => false);
    expect((stale.error as TRPCClientError<AppRouter>).data?.error).toMatchObject({ code: "RESYNC_REQUIRED" });

    // From the last entry pruned, the next one is still held: no gap, no refusal.
    const edge = watchInbox(connect(), "2");
    await edge.until("the recent message", (events) => events.length === 1);
    expect(edge.events[0]).toMatchObject({ seq: 3, type: "message.created", preview: "recent" });

    const unread = await rest(server.url, "GET", "/me/unread", { token: alice.token });
    expect(unread.body).toMatchObject({ inboxSeq: 3, rooms: [{ roomId, unreadCount: 2 }] });
    const fresh = watchInbox(connect(), String(unread.body.inboxSeq));
    await send(server.url, bob, roomId, "after the reload");
    await fresh.until("the next entry", (events) => events.length === 1);
    expect(fresh.events[0]).toMatchObject({ seq: 4, preview: "after the reload" });
    expect(fresh.error).toBeUndefined();
  });
});
