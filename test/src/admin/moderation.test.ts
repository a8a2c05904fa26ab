import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createRoom,
  grantServerAdmin,
  httpClient,
  rest,
  signUp,
  startTestServer,
  type TestServer,
  type TestUser,
} from "../harness/index.js";

describe("moderation and the activity log", () => {
  let server: TestServer;
  let admin: TestUser;
  const activity = async (query: string) => {
    const res = await rest(server.url, "GET", `/admin/activity?${query}`, { token: admin.token });
    expect(res.status).toBe(200);
    return res.body as { entries: any[]; nextCursor: string | null };
  };

  beforeAll(async () => {
    server = await startTestServer();
    admin = await signUp(server.url);
    await grantServerAdmin(server.databaseUrl, admin.username);
  });
  afterAll(() => server.stop());

  it("lets a server admin delete a message in a closed room they are not in, and logs it", async () => {
    const owner = await signUp(server.url);
    const room = await createRoom(server.url, owner.token, { open: false, name: "back room" });
    const sent = await rest(server.url, "POST", `/rooms/${room.id}/messages`, {
      token: owner.token,
      body: { body: "something to moderate" },
    });
    // Reading the room is still for its members only.
    expect((await rest(server.url, "GET", `/rooms/${room.id}/messages`, { token: admin.token })).status).toBe(404);
    const deleted = await rest(server.url, "DELETE", `/rooms/${room.id}/messages/${sent.body.message.id}`, {
      token: admin.token,
    });
    expect(deleted.status).toBe(200);
    expect(deleted.body.message).toMatchObject({ body: null, deletedAt: expect.any(String) });

    const { entries } = await activity(`roomId=${room.id}&type=message.deleted`);
    expect(entries).toEqual([
      {
        id: expect.any(String),
        type: "message.deleted",
        actor: { id: admin.id, username: admin.username },
        room: { id: room.id, name: "back room" },
        subject: { id: owner.id, username: owner.username },
        details: { messageId: sent.body.message.id, moderation: "server admin" },
        createdAt: expect.any(String),
      },
    ]);
  });

  it("lets a server admin delete any room over tRPC; the log keeps the room's history after it", async () => {
    const owner = await signUp(server.url);
    const room = await createRoom(server.url, owner.token, { open: true });
    await expect(httpClient(server.url, admin.token).rooms.delete.mutate({ roomId: room.id })).resolves.toMatchObject({
      deleted: true,
    });
    const { entries } = await activity(`roomId=${room.id}`);
    expect(entries.map((entry) => entry.type)).toEqual(["room.deleted", "room.created"]);
    expect(entries[0]).toMatchObject({
      actor: { id: admin.id },
      room: { id: room.id, name: null },
      details: { moderation: "server admin" },
    });
  });

  it("logs a room admin's deletion of another's message, and not an author's of their own", async () => {
    const owner = await signUp(server.url);
    const member = await signUp(server.url);
    const room = await createRoom(server.url, owner.token, { memberIds: [member.id] });
    const say = async (user: TestUser) =>
      (await rest(server.url, "POST", `/rooms/${room.id}/messages`, { token: user.token, body: { body: "x" } })).body
        .message.id as string;
    const own = await say(member);
    const theirs = await say(member);
    await rest(server.url, "DELETE", `/rooms/${room.id}/messages/${own}`, { token: member.token });
    await rest(server.url, "DELETE", `/rooms/${room.id}/messages/${theirs}`, { token: owner.token });
    const { entries } = await activity(`roomId=${room.id}&type=message.deleted`);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      actor: { id: owner.id },
      details: { messageId: theirs, moderation: "room admin" },
    });
  });

  it("pages newest first with a cursor, filters by who and by time, over REST and tRPC", async () => {
    const user = await signUp(server.url);
    for (let i = 0; i < 5; i += 1) await createRoom(server.url, user.token, { name: `room ${i}` });
    const first = await activity(`userId=${user.id}&type=room.created&limit=2`);
    expect(first.entries.map((entry) => entry.details.name)).toEqual(["room 4", "room 3"]);
    const second = await activity(`userId=${user.id}&type=room.created&limit=2&cursor=${first.nextCursor}`);
    expect(second.entries.map((entry) => entry.details.name)).toEqual(["room 2", "room 1"]);
    const viaTrpc = await httpClient(server.url, admin.token).admin.activity.query({
      userId: user.id,
      type: "room.created",
      limit: 2,
      cursor: second.nextCursor ?? "",
    });
    expect(viaTrpc.entries.map((entry) => entry.details?.name)).toEqual(["room 0"]);
    expect(viaTrpc.nextCursor).toBeNull();

    // The sign-up is the user's own first entry; nothing of theirs is before it.
    const all = await activity(`userId=${user.id}`);
    const signedUp = all.entries.at(-1);
    expect(signedUp).toMatchObject({ type: "user.created", subject: { id: user.id } });
    const before = await activity(`userId=${user.id}&until=${signedUp.createdAt}`);
    expect(before.entries).toEqual([]);
    const since = await activity(`userId=${user.id}&since=${signedUp.createdAt}`);
    expect(since.entries).toHaveLength(all.entries.length);

    const bad = await rest(server.url, "GET", "/admin/activity?type=no.such.type", { token: admin.token });
    expect([bad.status, bad.body.error.code]).toEqual([400, "VALIDATION_FAILED"]);
  });
});
