import type { RoomEvent } from "@natter/shared";
import type { TRPCClientError } from "@trpc/client";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { rest, signUp, signUpMany, startTestServer, type TestServer, wsClientPool } from "../harness/index.js";
import { createdMessages, newRoom, send, waitFor, watchRoom } from "../messages/room-fixtures.js";

/** The code of the error that ended a watch. */
const errorCode = (error: unknown) => (error as TRPCClientError<any> | undefined)?.data?.error?.code;
const seqs = (events: readonly RoomEvent[]) => events.map((e) => e.seq);

describe("rooms.events resumed at the edges of the log", () => {
  let server: TestServer;
  const sockets = wsClientPool(() => server.url);
  const connect = sockets.connect;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterEach(sockets.closeAll);
  afterAll(() => server.stop());

  it("replays nothing from the room's newest seq, then goes live with the next one", async () => {
    const alice = await signUp(server.url);
    const roomId = await newRoom(server.url, alice);
    const last = await send(server.url, alice, roomId, "newest");
    const watch = watchRoom(connect(alice.token).client, roomId, String(last.seq));
    const next = await send(server.url, alice, roomId, "next");
    await watch.until("the next message", (events) => events.length > 0);
    expect(watch.error).toBeUndefined();
    expect(seqs(watch.events)).toEqual([next.seq]);
    expect(createdMessages(watch.events)[0]?.body).toBe("next");
  });

  it("replays the whole log from 0, starting with room.created", async () => {
    const [alice, bob] = await signUpMany(server.url, 2);
    const roomId = await newRoom(server.url, alice, { members: [bob] });
    const last = await send(server.url, bob, roomId, "hello");
    const watch = watchRoom(connect().client, roomId, "0");
    await watch.until("the message", (events) => events.at(-1)?.seq === last.seq);
    expect(seqs(watch.events)).toEqual([1, 2, 3]);
    expect(watch.events.map((e) => e.type)).toEqual(["room.created", "member.joined", "message.created"]);
  });

  it("refuses a lastEventId beyond the room's newest seq with VALIDATION_FAILED, instead of going silent", async () => {
    const alice = await signUp(server.url);
    const roomId = await newRoom(server.url, alice);
    const last = await send(server.url, alice, roomId, "newest");
    const watch = watchRoom(connect(alice.token).client, roomId, String(last.seq + 5));
    // Without the refusal the stream stays open and silently swallows the next five events.
    for (let i = 0; i < 6 && watch.error === undefined; i++) await send(server.url, alice, roomId, `after ${i}`);
    await watch.until("an error or an event", (events) => events.length > 0);
    expect(watch.events).toEqual([]);
    expect((watch.error as TRPCClientError<any>).data?.error).toMatchObject({
      code: "VALIDATION_FAILED",
      issues: [{ path: "lastEventId" }],
    });
  });

  it("answers ROOM_NOT_FOUND to a resume of a deleted room, for members and strangers alike", async () => {
    const [alice, bob] = await signUpMany(server.url, 2);
    const roomId = await newRoom(server.url, alice, { members: [bob] });
    await send(server.url, alice, roomId, "soon gone");
    expect((await rest(server.url, "DELETE", `/rooms/${roomId}`, { token: alice.token })).status).toBe(200);
    const watches = [alice.token, bob.token, undefined].map((token) => watchRoom(connect(token).client, roomId, "1"));
    await waitFor("every resume to fail", () => watches.every((w) => w.error !== undefined || w.ended));
    expect(watches.map((w) => errorCode(w.error))).toEqual(["ROOM_NOT_FOUND", "ROOM_NOT_FOUND", "ROOM_NOT_FOUND"]);
    expect(watches.flatMap((w) => w.events)).toEqual([]);
  });
});
