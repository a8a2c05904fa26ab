import { WS_CLOSE_CODES } from "@natter/shared";
import { describe, expect, it } from "vitest";
import { redisUnavailable, rest, signUp, watchingClient, wsClient } from "../harness/index.js";
import { newRoom, send, watchRoom } from "../messages/room-fixtures.js";
import { twoNodes } from "./two-nodes.js";

const redisMissing = await redisUnavailable();

describe.skipIf(redisMissing !== undefined)("account deletion across two nodes", () => {
  const nodes = twoNodes("account-deletion");

  it("closes the person's sockets on B within 1 s of DELETE /me on A; B's watchers see the bodies go", async () => {
    const { a, b } = nodes;
    const alice = await signUp(a.url);
    const bob = await signUp(a.url);
    const roomId = await newRoom(a.url, alice, { members: [bob] });
    const message = await send(a.url, alice, roomId, "secret on A");
    const socket = nodes.closeAfter(await watchingClient(b.url, alice.token));
    const bobs = nodes.closeAfter(wsClient(b.url, { token: bob.token }));
    const watch = watchRoom(bobs.client, roomId, String(message.seq));
    await send(a.url, bob, roomId, "heard on B");
    await watch.until("B's watcher to go live", (events) => events.length > 0);
    const started = Date.now();
    const deleted = await rest(a.url, "DELETE", "/me", { token: alice.token, body: { password: alice.password } });
    expect(deleted.status).toBe(200);
    expect(await socket.firstClose).toBe(WS_CLOSE_CODES.sessionEnded);
    expect(Date.now() - started).toBeLessThan(1000);
    expect((await rest(b.url, "GET", "/me", { token: alice.token })).status).toBe(401);
    await watch.until("alice's message deleted on B", (events) =>
      events.some((event) => event.type === "message.deleted" && event.messageId === message.id),
    );
    const room = await rest(b.url, "GET", `/rooms/${roomId}`, { token: bob.token });
    expect(room.body.room.ownerId).toBe(bob.id);
  });
});
