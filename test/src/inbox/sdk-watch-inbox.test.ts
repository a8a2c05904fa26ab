import { createServer } from "node:net";
import { type ConnectionState, createNatterClient, type InboxEvent, type NatterClient } from "@natter/client";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createRoom, type RestartableServer, rest, signUpMany, startRestartableServer } from "../harness/index.js";
import { send } from "../messages/room-fixtures.js";

const WAIT = { timeout: 20_000, interval: 10 };

describe("@natter/client watchInbox", () => {
  let server: RestartableServer;
  const clients: NatterClient[] = [];

  beforeAll(async () => {
    server = await startRestartableServer();
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await server.dispose();
  });

  it("starts from the unread counts' position, then resumes across a server restart with no gap", async () => {
    const { url, port } = server;
    const [alice, bob] = await signUpMany(url, 2);
    const room = await createRoom(url, bob.token, { open: false, memberIds: [alice.id] });
    await send(url, bob, room.id, "before the watch");
    const unread = await rest(url, "GET", "/me/unread", { token: alice.token });
    // room.added, then the message: the counts' position covers both.
    expect(unread.body).toMatchObject({ inboxSeq: 2, rooms: [{ roomId: room.id, unreadCount: 1 }] });

    const client = createNatterClient({ url, token: alice.token });
    clients.push(client);
    const events: InboxEvent[] = [];
    const states: ConnectionState[] = [];
    const watch = client.watchInbox({
      onEvent: (event) => events.push(event),
      onStateChange: (state) => states.push(state),
    });
    await vi.waitFor(() => expect(watch.state).toBe("open"), WAIT);
    expect(watch.lastSeq).toBe(2);
    for (let i = 0; i < 5; i++) await send(url, bob, room.id, `before ${i}`);
    await vi.waitFor(() => expect(events.at(-1)?.seq).toBe(7), WAIT);

    await server.close();
    // Down until the client has failed a few reconnection attempts.
    let attempts = 0;
    const standIn = createServer((socket) => {
      attempts += 1;
      socket.destroy();
    });
    await new Promise<void>((resolve) => standIn.listen(port, "127.0.0.1", resolve));
    await vi.waitFor(() => expect(attempts).toBeGreaterThanOrEqual(3), WAIT);
    await new Promise<void>((resolve) => standIn.close(() => resolve()));
    await server.start();
    // Sent before the client has had time to reconnect: only the replay can deliver these.
    for (let i = 0; i < 5; i++) await send(url, bob, room.id, `after ${i}`);
    await vi.waitFor(() => expect(events.at(-1)?.seq).toBe(12), WAIT);

    expect(events.map((e) => e.seq)).toEqual(Array.from({ length: 10 }, (_, i) => i + 3));
    expect(events.map((e) => (e.type === "message.created" ? e.preview : e.type))).toEqual([
      ...Array.from({ length: 5 }, (_, i) => `before ${i}`),
      ...Array.from({ length: 5 }, (_, i) => `after ${i}`),
    ]);
    expect(states).toContain("reconnecting");
    watch.stop();
    expect(await watch.ended).toEqual({ reason: "stopped" });
  });
});
