import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  createRoom,
  openRawSocket,
  type RawSocket,
  rest,
  signUpMany,
  startTestServer,
  type TestServer,
} from "../harness/index.js";
import { waitFor } from "../messages/room-fixtures.js";

/** The data of every event a raw socket received for subscription `id`, and whether it ended. */
function streamOf(socket: RawSocket, id: number) {
  const answers = socket.messages.map((m) => JSON.parse(m)).filter((m) => m.id === id);
  return {
    events: answers.filter((m) => m.result?.type === "data").map((m) => m.result.data.data),
    ended: answers.some((m) => m.result?.type === "stopped" || m.error !== undefined),
  };
}

describe("live streams lose access with the watcher", () => {
  let server: TestServer;
  const sockets: RawSocket[] = [];
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterEach(() => {
    for (const socket of sockets.splice(0)) socket.ws.close();
  });
  afterAll(() => server.stop());

  it("refuses a stream whose lastEventId is ahead of the room's log, and ends a kicked member's stream", async () => {
    const [owner, member] = await signUpMany(server.url, 2);
    const room = await createRoom(server.url, owner.token, { open: false, memberIds: [member.id] });
    const socket = await openRawSocket(server.url, { token: member.token });
    sockets.push(socket);
    // A careless or hostile client claims to have seen entries the log does not hold yet:
    // refused outright, so the claim can never hide a later kick from the stream.
    socket.call(1, "subscription", "rooms.events", { roomId: room.id, lastEventId: String(room.lastSeq + 2) });
    const refusal = JSON.parse(await socket.next((m) => JSON.parse(m).id === 1 && JSON.parse(m).error !== undefined));
    expect(refusal.error.data.error.code).toBe("VALIDATION_FAILED");

    // A stream from the room's present: hearing a message proves its access check is done,
    // so the kick below lands on a live stream.
    socket.call(2, "subscription", "rooms.events", { roomId: room.id, lastEventId: String(room.lastSeq) });
    await rest(server.url, "POST", `/rooms/${room.id}/messages`, {
      token: owner.token,
      body: { body: "before the kick" },
    });
    await waitFor("the stream to hear the message", () => streamOf(socket, 2).events.length > 0);

    const kick = await rest(server.url, "DELETE", `/rooms/${room.id}/members/${member.id}`, { token: owner.token });
    expect(kick.status).toBe(200);
    for (const body of ["after the kick 1", "after the kick 2", "after the kick 3"]) {
      await rest(server.url, "POST", `/rooms/${room.id}/messages`, { token: owner.token, body: { body } });
    }

    await waitFor("the stream to end", () => streamOf(socket, 2).ended);
    const { events } = streamOf(socket, 2);
    expect(events.map((e: { type: string }) => e.type)).toEqual(["message.created", "member.kicked"]);
    expect(JSON.stringify(socket.messages)).not.toContain("after the kick");
  });

  it("serves subscriptions as HTTP event streams (tRPC's SSE) that end at log-out, like sockets", async () => {
    const [owner, member] = await signUpMany(server.url, 2);
    const room = await createRoom(server.url, owner.token, { open: false, memberIds: [member.id] });
    const input = encodeURIComponent(JSON.stringify({ roomId: room.id }));
    const res = await fetch(`${server.url}/trpc/rooms.events?input=${input}`, {
      headers: { authorization: `Bearer ${member.token}`, accept: "text/event-stream" },
      signal: AbortSignal.timeout(20_000),
    });
    expect(res.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const reader = (res.body as ReadableStream<Uint8Array>).pipeThrough(new TextDecoderStream()).getReader();
    let text = "";
    let ended = false;
    const reading = (async () => {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        text += value;
      }
      ended = true;
    })();
    // The stream is live once tRPC's first event (`connected`) has arrived.
    await waitFor("the stream to open", () => text.includes("connected"));
    await rest(server.url, "POST", `/rooms/${room.id}/messages`, { token: owner.token, body: { body: "before" } });
    await waitFor("the message before the log-out", () => text.includes("before"));
    await rest(server.url, "DELETE", "/sessions/current", { token: member.token });
    await rest(server.url, "POST", `/rooms/${room.id}/messages`, {
      token: owner.token,
      body: { body: "secret after" },
    });
    await reading;
    expect(ended).toBe(true);
    expect(text).not.toContain("secret after");
  });
});
