import type { RoomEvent } from "@natter/shared";
import { TRPCClientError } from "@trpc/client";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { rest, signUp, signUpMany, startTestServer, type TestServer, wsClient } from "../harness/index.js";
import {
  createdMessages,
  newRoom,
  probeUntilHeard,
  type RoomWatch,
  send,
  waitFor,
  watchRoom,
} from "./room-fixtures.js";

/** The seqs of a stream, which must be strictly increasing by one. */
function expectGapless(events: readonly RoomEvent[], from: number): void {
  expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => from + i));
}

describe("rooms.events", () => {
  let server: TestServer;
  const sockets: Array<{ close(): void }> = [];
  const connect = (token?: string) => {
    const ws = wsClient(server.url, token ? { token } : {});
    sockets.push(ws);
    return ws;
  };
  beforeAll(async () => {
    // One test sends 500 messages as one user within seconds, far above a person's rate.
    server = await startTestServer({ config: { messageSendRatePerAccount: "10000/1m" } });
  });
  afterEach(() => {
    for (const socket of sockets.splice(0)) socket.close();
  });
  afterAll(() => server.stop());

  it("shows two members each other's messages in seq order, the same for both", async () => {
    const [alice, bob] = await signUpMany(server.url, 2);
    const roomId = await newRoom(server.url, alice, { members: [bob] });
    const forAlice = watchRoom(connect(alice.token).client, roomId, "0");
    const forBob = watchRoom(connect(bob.token).client, roomId, "0");
    // Each sends the next message once the last one is in (concurrent sends of one person
    // have no order to keep), while the other sends at the same time.
    const sendTen = async (user: typeof alice, prefix: string) => {
      for (let i = 0; i < 10; i++) await send(server.url, user, roomId, `${prefix}${i}`);
    };
    await Promise.all([sendTen(alice, "a"), sendTen(bob, "b")]);
    for (const watch of [forAlice, forBob]) {
      await watch.until("20 messages", (events) => createdMessages(events).length === 20);
      expectGapless(watch.events, 1);
      expect(watch.ids).toEqual(watch.events.map((e) => String(e.seq)));
      expect(watch.events.slice(0, 2).map((e) => e.type)).toEqual(["room.created", "member.joined"]);
    }
    expect(forBob.events).toEqual(forAlice.events);
    const bodies = createdMessages(forBob.events).map((m) => m.body);
    expect(bodies.filter((b) => b?.startsWith("a"))).toEqual(Array.from({ length: 10 }, (_, i) => `a${i}`));
    expect(bodies.filter((b) => b?.startsWith("b"))).toEqual(Array.from({ length: 10 }, (_, i) => `b${i}`));
  });

  it("starts live at the room's newest entry without lastEventId, and misses nothing after", async () => {
    const alice = await signUp(server.url);
    const roomId = await newRoom(server.url, alice);
    await send(server.url, alice, roomId, "before watching");
    const watch = watchRoom(connect(alice.token).client, roomId);
    await probeUntilHeard(watch, () => send(server.url, alice, roomId, "probe"));
    for (let i = 0; i < 20; i++) await send(server.url, alice, roomId, `live ${i}`);
    await watch.until("the live messages", (events) =>
      events.some((e) => e.type === "message.created" && e.message.body === "live 19"),
    );
    const first = watch.events[0]?.seq ?? 0;
    expectGapless(watch.events, first);
    expect(createdMessages(watch.events).map((m) => m.body)).not.toContain("before watching");
  });

  it("delivers edits and deletions as events, and a replay never shows a deleted body", async () => {
    const alice = await signUp(server.url);
    const roomId = await newRoom(server.url, alice);
    const watch = watchRoom(connect(alice.token).client, roomId, "0");
    // Live before anything changes: a replay would already show the final, deleted version.
    await watch.until("the replayed creation", (events) => events.some((e) => e.type === "room.created"));
    const message = await send(server.url, alice, roomId, "first draft");
    await watch.until("the message", (events) => events.some((e) => e.type === "message.created"));
    await rest(server.url, "PATCH", `/rooms/${roomId}/messages/${message.id}`, {
      token: alice.token,
      body: { body: "second draft" },
    });
    await watch.until("the edit", (events) => events.some((e) => e.type === "message.edited"));
    await rest(server.url, "DELETE", `/rooms/${roomId}/messages/${message.id}`, { token: alice.token });
    await watch.until("the deletion", (events) => events.some((e) => e.type === "message.deleted"));
    const types = watch.events.filter((e) => e.type.startsWith("message.")).map((e) => e.type);
    expect(types).toEqual(["message.created", "message.edited", "message.deleted"]);
    const edited = watch.events.find((e) => e.type === "message.edited");
    expect(edited).toMatchObject({ message: { id: message.id, seq: message.seq, body: "second draft" } });
    expect(watch.events.at(-1)).toMatchObject({ type: "message.deleted", messageId: message.id, actorId: alice.id });

    const replay = watchRoom(connect().client, roomId, "0");
    await replay.until("the replayed deletion", (events) => events.some((e) => e.type === "message.deleted"));
    expect(replay.events.map((e) => e.seq)).toEqual(watch.events.map((e) => e.seq));
    expect(JSON.stringify(replay.events)).not.toMatch(/draft/);
    for (const event of replay.events) {
      if (event.type === "message.created" || event.type === "message.edited") {
        expect(event.message).toMatchObject({ id: message.id, body: null });
      }
    }
  });

  it("replays an edited message as it now reads, never its earlier text", async () => {
    const alice = await signUp(server.url);
    const roomId = await newRoom(server.url, alice);
    const message = await send(server.url, alice, roomId, "my password is hunter2");
    for (const body of ["my password is [removed]", "never mind"]) {
      const res = await rest(server.url, "PATCH", `/rooms/${roomId}/messages/${message.id}`, {
        token: alice.token,
        body: { body },
      });
      expect(res.status).toBe(200);
    }
    const replay = watchRoom(connect().client, roomId, "0");
    await replay.until("both edits", (events) => events.filter((e) => e.type === "message.edited").length === 2);
    expect(JSON.stringify(replay.events)).not.toMatch(/hunter2|\[removed\]/);
    const versions = replay.events.flatMap((e) =>
      e.type === "message.created" || e.type === "message.edited" ? [e.message] : [],
    );
    expect(versions).toHaveLength(3);
    for (const version of versions) {
      expect(version).toMatchObject({ id: message.id, body: "never mind", editedAt: expect.any(String) });
    }
  });

  it("lets an anonymous watcher see an open room, but not a closed one, nor post", async () => {
    const alice = await signUp(server.url);
    const [open, closed] = await Promise.all([newRoom(server.url, alice), newRoom(server.url, alice, { open: false })]);
    const anonymous = connect();
    const watch = watchRoom(anonymous.client, open, "0");
    await send(server.url, alice, open, "for everyone");
    await watch.until("the message", (events) => createdMessages(events).length === 1);
    expect(createdMessages(watch.events)[0]?.body).toBe("for everyone");

    const hidden = watchRoom(anonymous.client, closed, "0");
    await hidden.until("an error", () => false);
    expect(hidden.error).toBeInstanceOf(TRPCClientError);
    expect((hidden.error as TRPCClientError<any>).data?.error?.code).toBe("ROOM_NOT_FOUND");
    // tRPC's own code and status agree with natter's code, as they do for queries.
    expect((hidden.error as TRPCClientError<any>).data).toMatchObject({ code: "NOT_FOUND", httpStatus: 404 });
    expect(hidden.events).toEqual([]);

    const posting = anonymous.client.messages.send.mutate({ roomId: open, body: "let me in" });
    await expect(posting).rejects.toMatchObject({ data: { error: { code: "UNAUTHENTICATED" } } });
    const bob = await signUp(server.url);
    const outsider = connect(bob.token);
    const closedToBob = watchRoom(outsider.client, closed);
    await closedToBob.until("an error", () => false);
    expect((closedToBob.error as TRPCClientError<any>).data?.error?.code).toBe("ROOM_NOT_FOUND");
  });

  it("replays exactly the entries missed while disconnected, while new ones keep arriving", async () => {
    const [alice, bob] = await signUpMany(server.url, 2);
    const roomId = await newRoom(server.url, alice, { members: [bob] });
    const first = connect(bob.token);
    const before = watchRoom(first.client, roomId, "0");
    await send(server.url, alice, roomId, "seen");
    await before.until("the first message", (events) => createdMessages(events).length === 1);
    const lastSeen = before.ids.at(-1) ?? "";
    first.close();

    const sendAll = async (prefix: string, count: number) => {
      for (let i = 0; i < count; i++) await send(server.url, alice, roomId, `${prefix}${i}`);
    };
    await sendAll("missed ", 500);

    // Resume while four senders are busy, so live entries arrive during the replay.
    const senders = ["a", "b", "c", "d"];
    const during = Promise.all(senders.map((sender) => sendAll(`during ${sender} `, 50)));
    const resumed = watchRoom(connect(bob.token).client, roomId, lastSeen);
    await during;
    const last = await send(server.url, alice, roomId, "last");
    await resumed.until("the last message", (events) => events.at(-1)?.seq === last.seq);

    expect(resumed.error).toBeUndefined();
    expectGapless(resumed.events, Number(lastSeen) + 1);
    const bodies = createdMessages(resumed.events).map((m) => m.body ?? "");
    expect(bodies.slice(0, 500)).toEqual(Array.from({ length: 500 }, (_, i) => `missed ${i}`));
    for (const sender of senders) {
      const own = bodies.filter((body) => body.startsWith(`during ${sender} `));
      expect(own).toEqual(Array.from({ length: 50 }, (_, i) => `during ${sender} ${i}`));
    }
    expect(bodies).toHaveLength(500 + 200 + 1);
    expect(bodies.at(-1)).toBe("last");
  });

  it("ends a member's stream after they are kicked from a closed room", async () => {
    const [alice, bob] = await signUpMany(server.url, 2);
    const roomId = await newRoom(server.url, alice, { open: false, members: [bob] });
    const watch = watchRoom(connect(bob.token).client, roomId, "0");
    await send(server.url, alice, roomId, "still here");
    await watch.until("the message", (events) => createdMessages(events).length === 1);
    const kick = await rest(server.url, "DELETE", `/rooms/${roomId}/members/${bob.id}`, { token: alice.token });
    expect(kick.status).toBe(200);
    await waitFor("the end of the stream", () => watch.ended);
    expect(watch.events.at(-1)).toMatchObject({ type: "member.kicked", userId: bob.id });
    await send(server.url, alice, roomId, "after the kick");
    const resumed = watchRoom(connect(bob.token).client, roomId, watch.ids.at(-1));
    await resumed.until("an error", () => false);
    expect((resumed.error as TRPCClientError<any>).data?.error?.code).toBe("ROOM_NOT_FOUND");
  });

  it("ends the streams of a leaving member and of every watcher of a deleted room", async () => {
    const [alice, bob] = await signUpMany(server.url, 2);
    const roomId = await newRoom(server.url, alice, { members: [bob] });
    const forBob = watchRoom(connect(bob.token).client, roomId, "0");
    const forAnonymous = watchRoom(connect().client, roomId, "0");
    await forBob.until("the room's start", (events) => events.length >= 2);
    await rest(server.url, "POST", `/rooms/${roomId}/leave`, { token: bob.token });
    await waitFor("bob's stream to end", () => forBob.ended);
    expect(forBob.events.at(-1)).toMatchObject({ type: "member.left", userId: bob.id });
    expect(forAnonymous.ended).toBe(false);

    await rest(server.url, "DELETE", `/rooms/${roomId}`, { token: alice.token });
    await waitFor("the anonymous stream to end", () => forAnonymous.ended);
    expect(forAnonymous.events.at(-1)).toMatchObject({ type: "room.deleted" });
    expectGapless(forAnonymous.events, 1);
  });

  it("ends a non-member's stream when the room closes, not a member's", async () => {
    const [alice, bob] = await signUpMany(server.url, 2);
    const roomId = await newRoom(server.url, alice, { members: [bob] });
    const watches: RoomWatch[] = [
      watchRoom(connect(bob.token).client, roomId, "0"),
      watchRoom(connect().client, roomId, "0"),
      watchRoom(connect((await signUp(server.url)).token).client, roomId, "0"),
    ];
    await Promise.all(watches.map((w) => w.until("the room's start", (events) => events.length >= 2)));
    const closing = await rest(server.url, "PATCH", `/rooms/${roomId}`, { token: alice.token, body: { open: false } });
    expect(closing.status).toBe(200);
    const [member, anonymous, outsider] = watches;
    await waitFor("the outsiders' streams to end", () => Boolean(anonymous?.ended && outsider?.ended));
    for (const watch of [anonymous, outsider])
      expect(watch?.events.at(-1)).toMatchObject({ type: "room.updated", open: false });
    await send(server.url, alice, roomId, "members only now");
    await member?.until("the message", (events) => createdMessages(events).length === 1);
    expect(member?.ended).toBe(false);
  });

  it("keeps a watcher who joins the room watching after it closes", async () => {
    const [alice, bob] = await signUpMany(server.url, 2);
    const roomId = await newRoom(server.url, alice);
    const watch = watchRoom(connect(bob.token).client, roomId);
    await probeUntilHeard(watch, () => send(server.url, alice, roomId, "probe"));
    await rest(server.url, "POST", `/rooms/${roomId}/join`, { token: bob.token });
    await rest(server.url, "PATCH", `/rooms/${roomId}`, { token: alice.token, body: { open: false } });
    await send(server.url, alice, roomId, "bob still sees this");
    await watch.until("the message", (events) => createdMessages(events).at(-1)?.body === "bob still sees this");
    expect(watch.events.map((e) => e.type)).toContain("member.joined");
    expect(watch.ended).toBe(false);
  });

  describe("authorization: rooms.events", () => {
    // Columns: anonymous, nonMember, member, admin, owner. "allow" means the log replays.
    const table = {
      open: ["allow", "allow", "allow", "allow", "allow"],
      closed: ["ROOM_NOT_FOUND", "ROOM_NOT_FOUND", "allow", "allow", "allow"],
    } as const;

    it.each(["open", "closed"] as const)("lets each actor watch a %s room as the table says", async (kind) => {
      const [owner, admin, member, nonMember] = await signUpMany(server.url, 4);
      const roomId = await newRoom(server.url, owner, { open: kind === "open", members: [admin, member] });
      await rest(server.url, "PUT", `/rooms/${roomId}/members/${admin.id}`, {
        token: owner.token,
        body: { role: "admin" },
      });
      const outcomes = await Promise.all(
        [undefined, nonMember, member, admin, owner].map(async (caller) => {
          const watch = watchRoom(connect(caller?.token).client, roomId, "0");
          await watch.until("the room's creation or an error", (events) => events.length > 0);
          if (watch.error) return (watch.error as TRPCClientError<any>).data?.error?.code;
          return watch.events[0]?.type === "room.created" ? "allow" : "wrong first event";
        }),
      );
      expect(outcomes).toEqual(table[kind]);
    });
  });

  it("rejects a lastEventId that is not a seq", async () => {
    const alice = await signUp(server.url);
    const roomId = await newRoom(server.url, alice);
    const watch = watchRoom(connect(alice.token).client, roomId, "abc");
    await watch.until("an error", () => false);
    expect((watch.error as TRPCClientError<any>).data?.error).toMatchObject({
      code: "VALIDATION_FAILED",
      issues: [{ path: "lastEventId" }],
    });
  });
});
