import type { Message } from "@natter/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rest, signUp, signUpMany, startTestServer, type TestServer, type TestUser } from "../harness/index.js";
import { newRoom, send } from "./room-fixtures.js";

describe("mentions", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.stop());

  async function mentionsOf(user: TestUser, query = ""): Promise<{ messages: Message[]; nextCursor: string | null }> {
    const res = await rest(server.url, "GET", `/me/mentions${query}`, { token: user.token });
    expect(res.status).toBe(200);
    return res.body;
  }

  async function unreadIn(user: TestUser, roomId: string) {
    const res = await rest(server.url, "GET", "/me/unread?limit=200", { token: user.token });
    expect(res.status).toBe(200);
    return res.body.rooms.find((room: { roomId: string }) => room.roomId === roomId);
  }

  it("resolves @username in any case to a member of a closed room, in the order written", async () => {
    const [alice, bob, carol] = await signUpMany(server.url, 3);
    const roomId = await newRoom(server.url, alice, { open: false, members: [bob, carol] });
    const message = await send(server.url, alice, roomId, `hi @${carol.username.toUpperCase()} and @${bob.username}!`);
    expect(message.mentions).toEqual([
      { userId: carol.id, username: carol.username },
      { userId: bob.id, username: bob.username },
    ]);
    expect(message.mentionsRoom).toBe(false);
    const history = await rest(server.url, "GET", `/rooms/${roomId}/messages`, { token: bob.token });
    expect(history.body.messages[0].mentions).toEqual(message.mentions);
    expect((await mentionsOf(bob)).messages.map((m) => m.id)).toEqual([message.id]);
  });

  it("resolves nobody who cannot read the room, exactly as a name nobody has (no leak)", async () => {
    const [alice, outsider] = await signUpMany(server.url, 2);
    const roomId = await newRoom(server.url, alice, { open: false });
    const message = await send(server.url, alice, roomId, `@${outsider.username} @nobody_${Date.now()} hello`);
    expect(message.mentions).toEqual([]);
    expect((await mentionsOf(outsider)).messages).toEqual([]);
    // In an open room anyone can read, so anyone can be mentioned.
    const openRoom = await newRoom(server.url, alice, { open: true });
    const open = await send(server.url, alice, openRoom, `@${outsider.username} look`);
    expect(open.mentions).toEqual([{ userId: outsider.id, username: outsider.username }]);
    expect((await mentionsOf(outsider)).messages.map((m) => m.id)).toEqual([open.id]);
  });

  it("does not mention inside code, links or words, and never notifies the author", async () => {
    const [alice, bob] = await signUpMany(server.url, 2);
    const roomId = await newRoom(server.url, alice, { members: [bob] });
    const message = await send(
      server.url,
      alice,
      roomId,
      `\`@${bob.username}\` https://x.org/@${bob.username} mail${bob.username}@x.org @${alice.username}`,
    );
    expect(message.mentions).toEqual([{ userId: alice.id, username: alice.username }]);
    expect((await mentionsOf(bob)).messages).toEqual([]);
    expect((await mentionsOf(alice)).messages).toEqual([]);
  });

  it("lets owners and admins mention the whole room with @room; from a member it stays text", async () => {
    const [alice, bob, carol] = await signUpMany(server.url, 3);
    const roomId = await newRoom(server.url, alice, { open: false, members: [bob, carol] });
    const fromMember = await send(server.url, bob, roomId, "@room anyone?");
    expect(fromMember.mentionsRoom).toBe(false);
    const fromOwner = await send(server.url, alice, roomId, "@room meeting now");
    expect(fromOwner.mentionsRoom).toBe(true);
    expect((await mentionsOf(carol)).messages.map((m) => m.id)).toEqual([fromOwner.id]);
    expect((await mentionsOf(bob)).messages.map((m) => m.id)).toEqual([fromOwner.id]);
    expect((await mentionsOf(alice)).messages).toEqual([]);
    expect(await unreadIn(carol, roomId)).toMatchObject({ unreadCount: 2, mentions: 1 });
  });

  it("counts unread mentions per room until read, and re-resolves on edit and delete", async () => {
    const [alice, bob] = await signUpMany(server.url, 2);
    const roomId = await newRoom(server.url, alice, { members: [bob] });
    const first = await send(server.url, alice, roomId, `@${bob.username} one`);
    await send(server.url, alice, roomId, "no mention");
    const third = await send(server.url, alice, roomId, `two @${bob.username}`);
    expect(await unreadIn(bob, roomId)).toMatchObject({ unreadCount: 3, mentions: 2 });
    const read = await rest(server.url, "POST", `/rooms/${roomId}/read`, {
      token: bob.token,
      body: { seq: first.seq },
    });
    expect(read.status).toBe(200);
    expect(await unreadIn(bob, roomId)).toMatchObject({ unreadCount: 2, mentions: 1 });

    const edited = await rest(server.url, "PATCH", `/rooms/${roomId}/messages/${third.id}`, {
      token: alice.token,
      body: { body: "two, never mind" },
    });
    expect(edited.body.message.mentions).toEqual([]);
    expect(await unreadIn(bob, roomId)).toMatchObject({ mentions: 0 });
    expect((await mentionsOf(bob)).messages.map((m) => m.id)).toEqual([first.id]);

    await rest(server.url, "DELETE", `/rooms/${roomId}/messages/${first.id}`, { token: alice.token });
    expect((await mentionsOf(bob)).messages).toEqual([]);
  });

  it("pages newest first and forgets rooms the user can no longer read", async () => {
    const [alice, bob] = await signUpMany(server.url, 2);
    const roomId = await newRoom(server.url, alice, { open: false, members: [bob] });
    const sent: Message[] = [];
    for (const n of [1, 2, 3]) sent.push(await send(server.url, alice, roomId, `@${bob.username} ${n}`));
    const firstPage = await mentionsOf(bob, "?limit=2");
    expect(firstPage.messages.map((m) => m.id)).toEqual([sent[2]?.id, sent[1]?.id]);
    expect(firstPage.nextCursor).not.toBeNull();
    const secondPage = await mentionsOf(bob, `?limit=2&cursor=${firstPage.nextCursor}`);
    expect(secondPage).toEqual({ messages: [expect.objectContaining({ id: sent[0]?.id })], nextCursor: null });
    const bad = await rest(server.url, "GET", "/me/mentions?cursor=bm9wZQ", { token: bob.token });
    expect(bad.status).toBe(400);

    const left = await rest(server.url, "POST", `/rooms/${roomId}/leave`, { token: bob.token });
    expect(left.status).toBe(200);
    expect((await mentionsOf(bob)).messages).toEqual([]);
  });

  it("answers 401 without a token", async () => {
    await signUp(server.url);
    expect((await rest(server.url, "GET", "/me/mentions")).status).toBe(401);
  });
});
