import { WS_CLOSE_CODES } from "@natter/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createRoom,
  ManualClock,
  openRawSocket,
  rest,
  signUp,
  startTestServer,
  type TestServer,
} from "../harness/index.js";

const HOUR = 3_600_000;

/**
 * A WebSocket that signs in with a token that has ended (logged out, expired, or never
 * issued) is told so with sessionEnded (4401), as one whose session ends while open is,
 * instead of carrying on as an anonymous socket that finds closed rooms "missing".
 */
describe("WebSockets signing in with an ended token", () => {
  const clock = new ManualClock();
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ clock, config: { sessionIdleTtlSeconds: 3600 } });
  });
  afterAll(() => server.stop());

  async function closeCodeFor(token: string, roomId: string) {
    const socket = await openRawSocket(server.url, { token });
    socket.call(1, "subscription", "rooms.events", { roomId });
    const { code } = await socket.closed;
    const answers = socket.messages.map((m) => JSON.parse(m));
    // Whatever the socket answered before closing, it never called the room missing.
    expect(answers.filter((a) => a.error?.data?.error?.code === "ROOM_NOT_FOUND")).toEqual([]);
    return code;
  }

  it("closes a socket whose token was logged out, expired or never issued with sessionEnded", async () => {
    const owner = await signUp(server.url);
    const room = await createRoom(server.url, owner.token, { open: false });

    const loggedOut = await signUp(server.url);
    await rest(server.url, "DELETE", "/sessions/current", { token: loggedOut.token });
    expect(await closeCodeFor(loggedOut.token, room.id)).toBe(WS_CLOSE_CODES.sessionEnded);

    expect(await closeCodeFor("nat_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", room.id)).toBe(
      WS_CLOSE_CODES.sessionEnded,
    );

    const stale = await rest(server.url, "POST", "/sessions", {
      body: { username: owner.username, password: owner.password },
    });
    clock.advance(2 * HOUR);
    expect(await closeCodeFor(stale.body.token, room.id)).toBe(WS_CLOSE_CODES.sessionEnded);
  });

  it("keeps a socket without a token open, anonymous", async () => {
    const owner = await signUp(server.url);
    const room = await createRoom(server.url, owner.token);
    const socket = await openRawSocket(server.url);
    socket.call(1, "query", "rooms.get", { roomId: room.id });
    const answer = JSON.parse(await socket.next((m) => JSON.parse(m).id === 1));
    expect(answer.result.data.room.id).toBe(room.id);
    expect(socket.ws.readyState).toBe(socket.ws.OPEN);
    socket.ws.close();
  });
});
