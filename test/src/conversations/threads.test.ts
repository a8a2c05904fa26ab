import type { Message, RoomEvent } from "@natter/shared";
import { describe, expect, it } from "vitest";
import { httpClient, rest, signUp, signUpMany, type TestUser } from "../harness/index.js";
import { newRoom, send, watchRoom } from "../messages/room-fixtures.js";
import { conversationServer } from "./conversation-server.js";

describe("threads", () => {
  const server = conversationServer();
  const { connect } = server;

  const reply = async (user: TestUser, roomId: string, threadId: string, body: string, alsoInRoom?: boolean) => {
    const res = await rest(server.url, "POST", `/rooms/${roomId}/messages`, {
      token: user.token,
      body: { body, threadId, ...(alsoInRoom !== undefined && { alsoInRoom }) },
    });
    return res;
  };
  const getMessage = async (roomId: string, messageId: string): Promise<Message> =>
    (await rest(server.url, "GET", `/rooms/${roomId}/messages/${messageId}`)).body.message;
  const history = async (roomId: string, query = ""): Promise<Message[]> =>
    (await rest(server.url, "GET", `/rooms/${roomId}/messages?limit=200${query}`)).body.messages;

  it("puts replies in the root's thread, out of room history unless alsoInRoom, with the root's summary", async () => {
    const [alice, bob, carol] = await signUpMany(server.url, 3);
    const roomId = await newRoom(server.url, alice, { members: [bob, carol] });
    const root = await send(server.url, alice, roomId, "root");
    expect(root).toMatchObject({ thread: null, threadId: null, alsoInRoom: false });
    const first = await reply(bob, roomId, root.id, "first reply");
    expect(first.status).toBe(201);
    expect(first.body.message).toMatchObject({ threadId: root.id, thread: null, alsoInRoom: false });
    const shown = await reply(carol, roomId, root.id, "shown in the room", true);
    // The message says it is shown in the room too: what a live client needs to place it.
    expect(shown.body.message).toMatchObject({ threadId: root.id, alsoInRoom: true });
    expect(await getMessage(roomId, shown.body.message.id)).toMatchObject({ alsoInRoom: true });
    const quoted = await rest(server.url, "POST", `/rooms/${roomId}/messages`, {
      token: alice.token,
      body: { body: "quote in thread", threadId: root.id, replyToId: first.body.message.id },
    });
    expect(quoted.body.message).toMatchObject({ threadId: root.id, replyToId: first.body.message.id });
    expect((await getMessage(roomId, root.id)).thread).toEqual({
      replyCount: 3,
      lastReplyAt: quoted.body.message.createdAt,
      participantIds: [alice.id, carol.id, bob.id],
    });
    expect((await history(roomId)).map((m) => m.body)).toEqual(["shown in the room", "root"]);
    expect((await history(roomId, "&threads=include")).map((m) => m.body)).toEqual([
      "quote in thread",
      "shown in the room",
      "first reply",
      "root",
    ]);
    const page = await rest(server.url, "GET", `/rooms/${roomId}/messages/${root.id}/thread?limit=2`);
    expect(page.body.messages.map((m: Message) => m.body)).toEqual(["quote in thread", "shown in the room"]);
    expect(page.body.hasMore).toBe(true);
    const older = await rest(
      server.url,
      "GET",
      `/rooms/${roomId}/messages/${root.id}/thread?before=${page.body.messages[1].seq}`,
    );
    expect(older.body).toEqual({ messages: [expect.objectContaining({ body: "first reply" })], hasMore: false });
    // Over tRPC alike.
    const trpc = httpClient(server.url, bob.token);
    const after = await trpc.messages.thread.query({ roomId, messageId: root.id, after: 0 });
    expect(after.messages.map((m) => m.body)).toEqual(["first reply", "shown in the room", "quote in thread"]);
  });

  it("refuses a thread under a reply or another room's message (400), and alsoInRoom without a thread", async () => {
    const alice = await signUp(server.url);
    const [roomId, otherRoomId] = await Promise.all([newRoom(server.url, alice), newRoom(server.url, alice)]);
    const root = await send(server.url, alice, roomId, "root");
    const elsewhere = await send(server.url, alice, otherRoomId, "elsewhere");
    const inThread = (await reply(alice, roomId, root.id, "in thread")).body.message;
    for (const threadId of [inThread.id, elsewhere.id, "no-such-message"]) {
      const bad = await reply(alice, roomId, threadId, "nested");
      expect([bad.status, bad.body.error.code, bad.body.error.issues[0].path]).toEqual([
        400,
        "VALIDATION_FAILED",
        "threadId",
      ]);
    }
    const alone = await rest(server.url, "POST", `/rooms/${roomId}/messages`, {
      token: alice.token,
      body: { body: "x", alsoInRoom: true },
    });
    expect([alone.status, alone.body.error.issues[0].path]).toEqual([400, "alsoInRoom"]);
  });

  it("keeps the summary exact under 40 concurrent replies, and streams each reply and thread.updated", async () => {
    const owner = await signUp(server.url);
    const users = await Promise.all(Array.from({ length: 8 }, () => signUp(server.url)));
    const roomId = await newRoom(server.url, owner, { members: users });
    const root = await send(server.url, owner, roomId, "busy thread");
    const watch = watchRoom(connect(owner.token), roomId, String(root.seq));
    const answers = await Promise.all(
      Array.from({ length: 40 }, (_, i) => reply(users[i % users.length] as TestUser, roomId, root.id, `r${i}`)),
    );
    expect(answers.every((res) => res.status === 201)).toBe(true);
    const summary = (await getMessage(roomId, root.id)).thread;
    const last = answers.map((res) => res.body.message as Message).sort((a, b) => b.seq - a.seq);
    expect(summary?.replyCount).toBe(40);
    expect(summary?.lastReplyAt).toBe(last[0]?.createdAt);
    // The 5 most recent distinct repliers, newest first.
    const recent = [...new Set(last.map((m) => m.authorId))].slice(0, 5);
    expect(summary?.participantIds).toEqual(recent);
    await watch.until("80 events", (events) => events.length === 80);
    const updates = watch.events.filter((event) => event.type === "thread.updated");
    expect(updates.map((event) => event.type === "thread.updated" && event.thread.replyCount)).toEqual(
      Array.from({ length: 40 }, (_, i) => i + 1),
    );
    for (const [i, event] of watch.events.entries()) {
      // Each reply is followed by its root's new summary.
      if (i % 2 === 0) expect(event).toMatchObject({ type: "message.created", message: { threadId: root.id } });
      else expect(event).toMatchObject({ type: "thread.updated", messageId: root.id });
    }
  });

  it("keeps a deleted root's thread readable, takes no new replies (409), and counts a deleted reply out", async () => {
    const [alice, bob] = await signUpMany(server.url, 2);
    const roomId = await newRoom(server.url, alice, { members: [bob] });
    const root = await send(server.url, alice, roomId, "root");
    const doomed = (await reply(bob, roomId, root.id, "doomed")).body.message as Message;
    await reply(bob, roomId, root.id, "kept");
    const watch = watchRoom(connect(alice.token), roomId, String(doomed.seq + 3));
    await rest(server.url, "DELETE", `/rooms/${roomId}/messages/${doomed.id}`, { token: bob.token });
    await watch.until("the summary", (events: RoomEvent[]) => events.some((event) => event.type === "thread.updated"));
    expect(watch.events.at(-1)).toMatchObject({ type: "thread.updated", thread: { replyCount: 1 } });
    await rest(server.url, "DELETE", `/rooms/${roomId}/messages/${root.id}`, { token: alice.token });
    const tombstone = await getMessage(roomId, root.id);
    expect(tombstone).toMatchObject({ body: null, thread: { replyCount: 1 } });
    const thread = await rest(server.url, "GET", `/rooms/${roomId}/messages/${root.id}/thread?after=0`);
    expect(thread.body.messages.map((m: Message) => m.body)).toEqual([null, "kept"]);
    const late = await reply(bob, roomId, root.id, "too late");
    expect([late.status, late.body.error.code]).toEqual([409, "CONFLICT"]);
  });

  it("recounts the summary from the replies left when one is deleted: none left reads as no thread", async () => {
    const [alice, bob, carol] = await signUpMany(server.url, 3);
    const roomId = await newRoom(server.url, alice, { members: [bob, carol] });
    const root = await send(server.url, alice, roomId, "root");
    const first = (await reply(bob, roomId, root.id, "bob's")).body.message as Message;
    const last = (await reply(carol, roomId, root.id, "carol's")).body.message as Message;
    const watch = watchRoom(connect(alice.token), roomId, String(last.seq + 1));
    await rest(server.url, "DELETE", `/rooms/${roomId}/messages/${last.id}`, { token: carol.token });
    // The newest reply gone: the last reply and the repliers are the remaining one's.
    expect((await getMessage(roomId, root.id)).thread).toEqual({
      replyCount: 1,
      lastReplyAt: first.createdAt,
      participantIds: [bob.id],
    });
    await rest(server.url, "DELETE", `/rooms/${roomId}/messages/${first.id}`, { token: bob.token });
    expect((await getMessage(roomId, root.id)).thread).toBeNull();
    await watch.until(
      "two summaries",
      (events: RoomEvent[]) => events.filter((event) => event.type === "thread.updated").length === 2,
    );
    expect(watch.events.filter((event) => event.type === "thread.updated").map((event) => event.thread)).toEqual([
      { replyCount: 1, lastReplyAt: first.createdAt, participantIds: [bob.id] },
      { replyCount: 0, lastReplyAt: null, participantIds: [] },
    ]);
    // A new reply starts the summary afresh.
    const again = (await reply(carol, roomId, root.id, "again")).body.message as Message;
    expect((await getMessage(roomId, root.id)).thread).toEqual({
      replyCount: 1,
      lastReplyAt: again.createdAt,
      participantIds: [carol.id],
    });
  });

  it("lists my threads, newest activity first, with replies by others I have not read", async () => {
    const [alice, bob, carol] = await signUpMany(server.url, 3);
    const roomId = await newRoom(server.url, alice, { members: [bob, carol] });
    const older = await send(server.url, alice, roomId, "alice's thread");
    const newer = await send(server.url, carol, roomId, "carol's thread");
    await reply(bob, roomId, older.id, "bob in alice's");
    await reply(alice, roomId, newer.id, "alice in carol's");
    const carolReply = (await reply(carol, roomId, newer.id, "carol answers")).body.message as Message;
    await reply(carol, roomId, newer.id, "carol again");
    const mine = await rest(server.url, "GET", "/me/threads", { token: alice.token });
    expect(mine.status).toBe(200);
    expect(mine.body.threads.map((t: { root: Message; unreadCount: number }) => [t.root.body, t.unreadCount])).toEqual([
      ["carol's thread", 2],
      ["alice's thread", 1],
    ]);
    await rest(server.url, "POST", `/rooms/${roomId}/read`, { token: alice.token, body: { seq: carolReply.seq } });
    const paged = await rest(server.url, "GET", "/me/threads?limit=1", { token: alice.token });
    expect(paged.body.threads).toEqual([expect.objectContaining({ unreadCount: 1 })]);
    const next = await rest(server.url, "GET", `/me/threads?limit=1&cursor=${paged.body.nextCursor}`, {
      token: alice.token,
    });
    expect(next.body.threads.map((t: { root: Message }) => t.root.body)).toEqual(["alice's thread"]);
    expect(next.body.nextCursor).toBeNull();
    // Bob replied in one thread only; a stranger has none.
    const bobs = await rest(server.url, "GET", "/me/threads", { token: bob.token });
    expect(bobs.body.threads.map((t: { root: Message }) => t.root.id)).toEqual([older.id]);
    const stranger = await signUp(server.url);
    expect((await rest(server.url, "GET", "/me/threads", { token: stranger.token })).body.threads).toEqual([]);
  });
});
