import type { Message } from "@natter/shared";
import { describe, expect, it } from "vitest";
import { httpClient, rest, signUpMany, type TestUser } from "../harness/index.js";
import { newRoom, send, watchRoom } from "../messages/room-fixtures.js";
import { conversationServer } from "./conversation-server.js";

describe("pins", () => {
  const server = conversationServer();
  const { connect } = server;

  const pin = (user: TestUser, roomId: string, messageId: string) =>
    rest(server.url, "PUT", `/rooms/${roomId}/pins/${messageId}`, { token: user.token });
  const unpin = (user: TestUser, roomId: string, messageId: string) =>
    rest(server.url, "DELETE", `/rooms/${roomId}/pins/${messageId}`, { token: user.token });
  const pins = async (roomId: string, user?: TestUser): Promise<Message[]> => {
    const res = await rest(server.url, "GET", `/rooms/${roomId}/pins`, { token: user?.token });
    expect(res.status).toBe(200);
    return res.body.messages;
  };

  it("lets the owner and admins pin (idempotently) and members see pins newest first; members get 403", async () => {
    const [owner, admin, member] = await signUpMany(server.url, 3);
    const roomId = await newRoom(server.url, owner, { members: [admin, member] });
    await rest(server.url, "PUT", `/rooms/${roomId}/members/${admin.id}`, {
      token: owner.token,
      body: { role: "admin" },
    });
    const first = await send(server.url, member, roomId, "first");
    const second = await send(server.url, member, roomId, "second");
    const byOwner = await pin(owner, roomId, first.id);
    expect(byOwner.status).toBe(200);
    expect(byOwner.body.message).toMatchObject({ id: first.id, pinnedBy: owner.id });
    const again = await pin(owner, roomId, first.id);
    expect(again.body.message.pinnedAt).toBe(byOwner.body.message.pinnedAt);
    expect((await pin(admin, roomId, second.id)).status).toBe(200);
    const refused = await pin(member, roomId, second.id);
    expect([refused.status, refused.body.error.code]).toEqual([403, "FORBIDDEN"]);
    expect((await unpin(member, roomId, first.id)).status).toBe(403);
    expect((await pins(roomId)).map((m) => m.id)).toEqual([second.id, first.id]);
    const one = await rest(server.url, "GET", `/rooms/${roomId}/messages/${second.id}`);
    expect(one.body.message).toMatchObject({ pinnedBy: admin.id, pinnedAt: expect.any(String) });
    expect((await unpin(owner, roomId, second.id)).body.message).toMatchObject({ pinnedAt: null, pinnedBy: null });
    expect((await unpin(owner, roomId, second.id)).status).toBe(200);
    // Over tRPC alike.
    const trpc = httpClient(server.url, member.token);
    expect((await trpc.rooms.pins.query({ roomId })).messages.map((m) => m.id)).toEqual([first.id]);
  });

  it("holds at most 50 pins per room (409 TOO_MANY_PINS), and a deleted message neither pinned nor kept pinned", async () => {
    const [owner] = await signUpMany(server.url, 1);
    const roomId = await newRoom(server.url, owner);
    const messages = await Promise.all(Array.from({ length: 51 }, (_, i) => send(server.url, owner, roomId, `m${i}`)));
    const answers = await Promise.all(messages.map((m) => pin(owner, roomId, m.id)));
    expect(answers.filter((res) => res.status === 200)).toHaveLength(50);
    const refused = answers.filter((res) => res.status !== 200);
    expect(refused.map((res) => [res.status, res.body.error.code])).toEqual([[409, "TOO_MANY_PINS"]]);
    expect(await pins(roomId)).toHaveLength(50);
    const pinned = (await pins(roomId))[0] as Message;
    const watch = watchRoom(connect(owner.token), roomId, String(Math.max(...messages.map((message) => message.seq))));
    await rest(server.url, "DELETE", `/rooms/${roomId}/messages/${pinned.id}`, { token: owner.token });
    await watch.until("the unpin", (events) => events.some((event) => event.type === "message.unpinned"));
    expect(watch.events.slice(-2).map((event) => event.type)).toEqual(["message.deleted", "message.unpinned"]);
    expect((await pins(roomId)).map((m) => m.id)).not.toContain(pinned.id);
    const deleted = await pin(owner, roomId, pinned.id);
    expect([deleted.status, deleted.body.error.code]).toEqual([409, "CONFLICT"]);
  }, 90_000);

  it("streams message.pinned and message.unpinned, and a replay shows no stale pin", async () => {
    const [owner, member] = await signUpMany(server.url, 2);
    const roomId = await newRoom(server.url, owner, { members: [member] });
    const message = await send(server.url, member, roomId, "pin me");
    const watch = watchRoom(connect(member.token), roomId, String(message.seq));
    const pinned = await pin(owner, roomId, message.id);
    await unpin(owner, roomId, message.id);
    await watch.until("both", (events) => events.length === 2);
    expect(watch.events).toMatchObject([
      { type: "message.pinned", messageId: message.id, pinnedBy: owner.id, pinnedAt: pinned.body.message.pinnedAt },
      { type: "message.unpinned", messageId: message.id },
    ]);
    const replay = watchRoom(connect(), roomId, "0");
    await replay.until("the unpin", (events) => events.some((event) => event.type === "message.unpinned"));
    const created = replay.events.find((event) => event.type === "message.created");
    expect(created?.type === "message.created" && created.message.pinnedAt).toBeNull();
  });

  it("hides a closed room's pins and messages from outsiders (404) and answers 404 for a message of another room", async () => {
    const [owner, outsider] = await signUpMany(server.url, 2);
    const closed = await newRoom(server.url, owner, { open: false });
    const open = await newRoom(server.url, owner);
    const message = await send(server.url, owner, closed, "secret");
    for (const [method, path] of [
      ["GET", `/rooms/${closed}/pins`],
      ["PUT", `/rooms/${closed}/pins/${message.id}`],
      ["DELETE", `/rooms/${closed}/pins/${message.id}`],
      ["GET", `/rooms/${closed}/messages/${message.id}`],
      ["GET", `/rooms/${closed}/messages/${message.id}/thread`],
    ] as const) {
      const res = await rest(server.url, method, path, { token: outsider.token });
      expect([res.status, res.body.error.code], `${method} ${path}`).toEqual([404, "ROOM_NOT_FOUND"]);
    }
    const elsewhere = await pin(owner, open, message.id);
    expect([elsewhere.status, elsewhere.body.error.code]).toEqual([404, "MESSAGE_NOT_FOUND"]);
    const get = await rest(server.url, "GET", `/rooms/${open}/messages/${message.id}`);
    expect([get.status, get.body.error.code]).toEqual([404, "MESSAGE_NOT_FOUND"]);
  });
});
