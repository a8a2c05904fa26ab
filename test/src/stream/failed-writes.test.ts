import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rest, signUpMany, startTestServer, type TestServer, wsClientPool } from "../harness/index.js";
import { createdMessages, newRoom, send, watchRoom } from "../messages/room-fixtures.js";

describe("rooms.events around writes that fail", () => {
  let server: TestServer;
  const sockets = wsClientPool(() => server.url);
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    sockets.closeAll();
    await server.stop();
  });

  it("publishes nothing and spends no seq for refused writes, and one event for racing retries", async () => {
    const [alice, bob, stranger] = await signUpMany(server.url, 3);
    const roomId = await newRoom(server.url, alice, { members: [bob] });
    const ws = sockets.connect(alice.token);
    const watch = watchRoom(ws.client, roomId, "0");
    const first = await send(server.url, alice, roomId, "first");
    const post = (token: string, body: unknown) =>
      rest(server.url, "POST", `/rooms/${roomId}/messages`, { token, body });

    const answers = await Promise.all([
      // Twenty racing retries of one send, among writes that are each refused.
      ...Array.from({ length: 20 }, () => post(bob.token, { body: "once", clientMessageId: "retry-1" })),
      post(bob.token, { body: "bad reply", replyToId: "01a20000-0000-7000-8000-000000000000" }),
      post(stranger.token, { body: "not a member" }),
      rest(server.url, "PATCH", `/rooms/${roomId}/messages/${first.id}`, {
        token: bob.token,
        body: { body: "not mine" },
      }),
      rest(server.url, "DELETE", `/rooms/${roomId}/members/${alice.id}`, { token: bob.token }),
      rest(server.url, "PATCH", `/rooms/${roomId}`, { token: bob.token, body: { open: false } }),
    ]);
    expect(answers.map((a) => a.status)).toEqual([...Array(20).fill(201), 400, 403, 403, 403, 403]);
    expect(new Set(answers.slice(0, 20).map((a) => a.body.message.id)).size).toBe(1);

    const last = await send(server.url, alice, roomId, "last");
    await watch.until("the last message", (events) => events.at(-1)?.seq === last.seq);
    expect(watch.events.map((e) => e.seq)).toEqual(Array.from({ length: last.seq }, (_, i) => i + 1));
    expect(createdMessages(watch.events).map((m) => m.body)).toEqual(["first", "once", "last"]);
    expect(last.seq).toBe(5);
  });
});
