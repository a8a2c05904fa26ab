import { createServer } from "node:net";
import { type ConnectionState, createNatterClient, type NatterClient, type RoomEvent } from "@natter/client";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createRoom, type RestartableServer, signUpMany, startRestartableServer } from "../harness/index.js";
import { send } from "../messages/room-fixtures.js";

const WAIT = { timeout: 20_000, interval: 10 };

describe("@natter/client watchRoom across a server restart", () => {
  let server: RestartableServer;
  const clients: NatterClient[] = [];

  beforeAll(async () => {
    server = await startRestartableServer();
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await server.dispose();
  });

  it("resumes after the server stops and a new one starts on the same database and port, with no gap", async () => {
    const { url, port } = server;
    const [alice, bob] = await signUpMany(url, 2);
    const room = await createRoom(url, alice.token, { open: false, memberIds: [bob.id] });
    const client = createNatterClient({ url, token: alice.token });
    clients.push(client);
    const events: RoomEvent[] = [];
    const states: ConnectionState[] = [];
    const watch = client.watchRoom(
      room.id,
      { onEvent: (event) => events.push(event), onStateChange: (state) => states.push(state) },
      { afterSeq: 0 },
    );
    for (let i = 0; i < 10; i++) await send(url, bob, room.id, `before ${i}`);
    await vi.waitFor(() => expect(events.at(-1)?.seq).toBe(12), WAIT);

    await server.close();
    // Down until the client has failed a few reconnection attempts: a stand-in on the port
    // counts them and drops each one before the new server takes the port over.
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
    for (let i = 0; i < 10; i++) await send(url, bob, room.id, `after ${i}`);
    await vi.waitFor(() => expect(events.at(-1)?.seq).toBe(22), WAIT);
    await send(url, bob, room.id, "live");
    await vi.waitFor(() => expect(events.at(-1)?.seq).toBe(23), WAIT);

    expect(events.map((e) => e.seq)).toEqual(Array.from({ length: 23 }, (_, i) => i + 1));
    const bodies = events.flatMap((e) => (e.type === "message.created" ? [e.message.body] : []));
    expect(bodies).toEqual([
      ...Array.from({ length: 10 }, (_, i) => `before ${i}`),
      ...Array.from({ length: 10 }, (_, i) => `after ${i}`),
      "live",
    ]);
    expect(states).toContain("reconnecting");
    expect(watch.state).toBe("open");
  });
});
