import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createTestDatabase,
  documentedOperations,
  isDocumented,
  rest,
  signUpMany,
  startTestServer,
  type TestDatabase,
  type TestServer,
  type TestUser,
} from "../harness/index.js";
import { newRoom, send } from "../messages/room-fixtures.js";

describe("direct rooms and blocks", () => {
  const dir = mkdtempSync(join(tmpdir(), "natter-dms-"));
  let database: TestDatabase;
  /** Two nodes on one database: openings that race may land on either. */
  let server: TestServer;
  let other: TestServer;
  beforeAll(async () => {
    database = await createTestDatabase(dir);
    server = await startTestServer({ database, dir: join(dir, "a") });
    other = await startTestServer({ database, dir: join(dir, "b") });
  });
  afterAll(async () => {
    await other?.stop();
    await server?.stop();
    await database?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  const openDm = (user: TestUser, userId: string, url = server.url) =>
    rest(url, "POST", "/dms", { token: user.token, body: { userId } });

  it("opens one direct room per pair: 201 once, then 200 with the same room whoever asks", async () => {
    const [alice, bob] = await signUpMany(server.url, 2);
    const first = await openDm(alice, bob.id);
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({
      created: true,
      room: { kind: "direct", open: false, ownerId: null, memberCount: 2 },
    });
    const again = await openDm(alice, bob.id);
    const fromBob = await openDm(bob, alice.id);
    expect([again.status, fromBob.status]).toEqual([200, 200]);
    expect(again.body.room.id).toBe(first.body.room.id);
    expect(fromBob.body).toMatchObject({ created: false, room: { id: first.body.room.id } });
    const members = await rest(server.url, "GET", `/rooms/${first.body.room.id}/members`, { token: bob.token });
    expect(members.body.members.map((m: { userId: string; role: string }) => [m.userId, m.role]).sort()).toEqual(
      [
        [alice.id, "member"],
        [bob.id, "member"],
      ].sort(),
    );
  });

  it("makes one room when both ask at the same instant on two nodes", async () => {
    for (let round = 0; round < 5; round++) {
      const [alice, bob] = await signUpMany(server.url, 2);
      const answers = await Promise.all([
        openDm(alice, bob.id, server.url),
        openDm(bob, alice.id, other.url),
        openDm(alice, bob.id, other.url),
        openDm(bob, alice.id, server.url),
      ]);
      expect(answers.map((a) => a.status).sort()).toEqual([200, 200, 200, 201]);
      expect(new Set(answers.map((a) => a.body.room.id)).size).toBe(1);
      const list = await rest(server.url, "GET", "/dms", { token: alice.token });
      expect(list.body.directRooms).toHaveLength(1);
    }
  });

  it("refuses to join, rename, open, leave, add or kick members of a direct room (409 DIRECT_ROOM)", async () => {
    const [alice, bob, carol] = await signUpMany(server.url, 3);
    const roomId = (await openDm(alice, bob.id)).body.room.id;
    const attempts = [
      rest(server.url, "POST", `/rooms/${roomId}/join`, { token: alice.token }),
      rest(server.url, "PATCH", `/rooms/${roomId}`, { token: alice.token, body: { name: "ours" } }),
      rest(server.url, "PATCH", `/rooms/${roomId}`, { token: alice.token, body: { open: true } }),
      rest(server.url, "POST", `/rooms/${roomId}/leave`, { token: alice.token }),
      rest(server.url, "PUT", `/rooms/${roomId}/members/${carol.id}`, { token: alice.token, body: {} }),
      rest(server.url, "DELETE", `/rooms/${roomId}/members/${bob.id}`, { token: alice.token }),
    ];
    for (const answer of await Promise.all(attempts)) {
      expect(answer.status).toBe(409);
      expect(answer.body.error.code).toBe("DIRECT_ROOM");
    }
    // Each of those operations documents that answer in /openapi.json.
    const operations = documentedOperations(await (await fetch(`${server.url}/openapi.json`)).json());
    const refusing = [
      ["POST", "/rooms/{roomId}/join"],
      ["PATCH", "/rooms/{roomId}"],
      ["POST", "/rooms/{roomId}/leave"],
      ["PUT", "/rooms/{roomId}/members/{userId}"],
      ["DELETE", "/rooms/{roomId}/members/{userId}"],
    ];
    for (const [method, path] of refusing) {
      const operation = operations.find((op) => op.method === method && op.path.endsWith(path as string));
      expect(operation && isDocumented(operation, 409, "DIRECT_ROOM"), `${method} ${path}`).toBe(true);
    }
    // Anyone else finds nothing: not by id, not among all rooms.
    expect((await rest(server.url, "GET", `/rooms/${roomId}`, { token: carol.token })).status).toBe(404);
    const all = await rest(server.url, "GET", "/rooms?scope=all&limit=200", { token: carol.token });
    expect(all.body.rooms.map((r: { id: string }) => r.id)).not.toContain(roomId);
    expect(
      (await rest(server.url, "GET", "/rooms?scope=all&limit=200")).body.rooms.map((r: { id: string }) => r.id),
    ).not.toContain(roomId);
  });

  it("refuses a direct room with oneself (400) and with nobody (404)", async () => {
    const [alice] = await signUpMany(server.url, 1);
    const self = await openDm(alice, alice.id);
    expect(self.status).toBe(400);
    expect(self.body.error.code).toBe("VALIDATION_FAILED");
    const nobody = await openDm(alice, "01900000-0000-7000-8000-000000000000");
    expect(nobody.status).toBe(404);
    expect(nobody.body.error.code).toBe("USER_NOT_FOUND");
  });

  it("lists my direct rooms newest activity first with the other user, last message and unread count", async () => {
    const [alice, bob, carol, dave] = await signUpMany(server.url, 4);
    const withBob = (await openDm(alice, bob.id)).body.room.id;
    const withCarol = (await openDm(carol, alice.id)).body.room.id;
    const withDave = (await openDm(alice, dave.id)).body.room.id;
    await send(server.url, bob, withBob, "hi alice");
    const last = await send(server.url, bob, withBob, "still there?");
    const page = await rest(server.url, "GET", "/dms?limit=2", { token: alice.token });
    expect(page.status).toBe(200);
    expect(page.body.directRooms.map((d: { room: { id: string } }) => d.room.id)).toEqual([withBob, withDave]);
    expect(page.body.directRooms[0]).toMatchObject({
      otherUser: { id: bob.id, username: bob.username },
      lastMessage: { id: last.id, body: "still there?" },
      unreadCount: 2,
    });
    expect(page.body.directRooms[1]).toMatchObject({ otherUser: { id: dave.id }, lastMessage: null, unreadCount: 0 });
    const rest2 = await rest(server.url, "GET", `/dms?limit=2&cursor=${page.body.nextCursor}`, { token: alice.token });
    expect(rest2.body).toMatchObject({ directRooms: [{ room: { id: withCarol } }], nextCursor: null });
  });

  it("gives as last message the newest one shown in the room: a thread reply only when sent alsoInRoom", async () => {
    const [alice, bob] = await signUpMany(server.url, 2);
    const roomId = (await openDm(alice, bob.id)).body.room.id;
    const root = await send(server.url, bob, roomId, "a thread starts");
    const replyWith = (alsoInRoom: boolean) =>
      rest(server.url, "POST", `/rooms/${roomId}/messages`, {
        token: bob.token,
        body: { body: `reply, alsoInRoom ${alsoInRoom}`, threadId: root.id, alsoInRoom },
      });
    expect((await replyWith(false)).status).toBe(201);
    const lastOf = async () =>
      (await rest(server.url, "GET", "/dms?limit=50", { token: alice.token })).body.directRooms.find(
        (direct: { room: { id: string } }) => direct.room.id === roomId,
      )?.lastMessage;
    expect(await lastOf()).toMatchObject({ id: root.id, body: "a thread starts", threadId: null });
    const shown = (await replyWith(true)).body.message;
    expect(await lastOf()).toMatchObject({ id: shown.id, threadId: root.id });
  });

  it("answers a blocked user exactly as a user who takes no direct rooms, and lifts the block", async () => {
    const [alice, bob, carol] = await signUpMany(server.url, 3);
    const existing = (await openDm(alice, bob.id)).body.room.id;
    const blocked = await rest(server.url, "PUT", `/me/blocks/${alice.id}`, { token: bob.token });
    expect(blocked.status).toBe(200);
    expect(blocked.body.blocked.user).toMatchObject({ id: alice.id, username: alice.username });
    expect((await rest(server.url, "PUT", `/me/blocks/${alice.id}`, { token: bob.token })).status).toBe(200);

    const reopen = await openDm(alice, bob.id);
    const sendInOurs = await rest(server.url, "POST", `/rooms/${existing}/messages`, {
      token: alice.token,
      body: { body: "hello?" },
    });
    const closed = await rest(server.url, "PATCH", "/me", { token: carol.token, body: { directMessages: "none" } });
    expect(closed.body.user.directMessages).toBe("none");
    const toClosed = await openDm(alice, carol.id);
    for (const answer of [reopen, sendInOurs, toClosed]) {
      expect(answer.status).toBe(403);
      expect(answer.body.error).toEqual(toClosed.body.error);
    }
    expect(toClosed.body.error.code).toBe("BLOCKED");
    // Documented where it is answered: opening a direct room, and sending in one.
    const operations = documentedOperations(await (await fetch(`${server.url}/openapi.json`)).json());
    for (const [method, path] of [
      ["POST", "/dms"],
      ["POST", "/rooms/{roomId}/messages"],
    ]) {
      const operation = operations.find((op) => op.method === method && op.path.endsWith(path as string));
      expect(operation && isDocumented(operation, 403, "BLOCKED"), `${method} ${path}`).toBe(true);
    }

    const list = await rest(server.url, "GET", "/me/blocks", { token: bob.token });
    expect(list.body).toMatchObject({ blocks: [{ user: { id: alice.id } }], nextCursor: null });
    expect((await rest(server.url, "GET", "/me/blocks", { token: alice.token })).body.blocks).toEqual([]);
    expect((await rest(server.url, "DELETE", `/me/blocks/${alice.id}`, { token: bob.token })).status).toBe(200);
    expect((await rest(server.url, "DELETE", `/me/blocks/${alice.id}`, { token: bob.token })).status).toBe(200);
    expect((await openDm(alice, bob.id)).status).toBe(200);
    await send(server.url, alice, existing, "back again");
  });

  it("keeps existing direct rooms when the user closes direct messages; new ones are refused", async () => {
    const [alice, bob, carol] = await signUpMany(server.url, 3);
    const existing = (await openDm(alice, bob.id)).body.room.id;
    await rest(server.url, "PATCH", "/me", { token: bob.token, body: { directMessages: "none" } });
    expect((await rest(server.url, "GET", "/me", { token: bob.token })).body.user.directMessages).toBe("none");
    const again = await openDm(alice, bob.id);
    expect(again).toMatchObject({ status: 200, body: { room: { id: existing } } });
    await send(server.url, alice, existing, "still fine");
    expect((await openDm(carol, bob.id)).status).toBe(403);
    const bad = await rest(server.url, "PATCH", "/me", { token: bob.token, body: { directMessages: "some" } });
    expect(bad.status).toBe(400);
  });

  it("does not notify a blocker of the blocked user's mentions, and refuses blocking oneself or nobody", async () => {
    const [alice, bob] = await signUpMany(server.url, 2);
    const roomId = await newRoom(server.url, alice, { members: [bob] });
    await rest(server.url, "PUT", `/me/blocks/${alice.id}`, { token: bob.token });
    const message = await send(server.url, alice, roomId, `@${bob.username} look`);
    expect(message.mentions).toEqual([{ userId: bob.id, username: bob.username }]);
    expect((await rest(server.url, "GET", "/me/mentions", { token: bob.token })).body.messages).toEqual([]);
    expect((await rest(server.url, "PUT", `/me/blocks/${bob.id}`, { token: bob.token })).status).toBe(400);
    const nobody = await rest(server.url, "PUT", "/me/blocks/01900000-0000-7000-8000-000000000000", {
      token: bob.token,
    });
    expect(nobody.status).toBe(404);
  });
});
