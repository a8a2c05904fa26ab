import { openDatabase } from "@natter/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRoom, rest, signUp, startTestServer, type TestServer, type TestUser } from "../harness/index.js";

describe("concurrent membership changes", () => {
  let server: TestServer;
  let owner: TestUser;
  let crowd: TestUser[];
  beforeAll(async () => {
    server = await startTestServer();
    [owner, crowd] = await Promise.all([
      signUp(server.url),
      Promise.all(Array.from({ length: 50 }, () => signUp(server.url))),
    ]);
  });
  afterAll(() => server.stop());

  const joinedEvents = async (roomId: string) => {
    const { db, close } = openDatabase(server.databaseUrl);
    try {
      return await db
        .selectFrom("room_events")
        .select(["seq", "type"])
        .where("room_id", "=", roomId)
        .where("type", "=", "member.joined")
        .execute();
    } finally {
      await close();
    }
  };

  it("admits 50 users joining at once, each once, with the right count", async () => {
    const room = await createRoom(server.url, owner.token);
    const results = await Promise.all(
      crowd.map((u) => rest(server.url, "POST", `/rooms/${room.id}/join`, { token: u.token })),
    );
    expect(results.map((r) => r.status)).toEqual(crowd.map(() => 200));
    const after = await rest(server.url, "GET", `/rooms/${room.id}`);
    expect(after.body.room.memberCount).toBe(51);
    const members = await rest(server.url, "GET", `/rooms/${room.id}/members?limit=200`);
    expect(members.body.total).toBe(51);
    const ids = members.body.members.map((m: any) => m.userId);
    expect(new Set(ids).size).toBe(51);
    expect(new Set(ids)).toEqual(new Set([owner.id, ...crowd.map((u) => u.id)]));
    expect(await joinedEvents(room.id)).toHaveLength(50);
    // Without a limit, a page holds 50.
    const firstPage = await rest(server.url, "GET", `/rooms/${room.id}/members`);
    expect(firstPage.body.members).toHaveLength(50);
    expect(firstPage.body.total).toBe(51);
  });

  it("counts one user joining 20 times at once as one member", async () => {
    const room = await createRoom(server.url, owner.token);
    const joiner = crowd[0] as TestUser;
    const results = await Promise.all(
      Array.from({ length: 20 }, () => rest(server.url, "POST", `/rooms/${room.id}/join`, { token: joiner.token })),
    );
    expect(new Set(results.map((r) => r.status))).toEqual(new Set([200]));
    expect(results.every((r) => r.body.room.memberCount === 2)).toBe(true);
    const members = await rest(server.url, "GET", `/rooms/${room.id}/members`);
    expect(members.body.members.map((m: any) => m.userId).sort()).toEqual([owner.id, joiner.id].sort());
    expect(await joinedEvents(room.id)).toHaveLength(1);
  });

  it("deletes the room exactly once when its members all leave at once", async () => {
    const leavers = crowd.slice(0, 20);
    const room = await createRoom(server.url, owner.token, { memberIds: leavers.map((u) => u.id) });
    const results = await Promise.all(
      [owner, ...leavers].map((u) => rest(server.url, "POST", `/rooms/${room.id}/leave`, { token: u.token })),
    );
    expect(results.map((r) => r.status)).toEqual(results.map(() => 200));
    expect(results.filter((r) => r.body.deleted)).toHaveLength(1);
    expect((await rest(server.url, "GET", `/rooms/${room.id}`)).status).toBe(404);
  });

  it("keeps the count right while users join and leave at once", async () => {
    const room = await createRoom(server.url, owner.token);
    const stayers = crowd.slice(0, 25);
    const goers = crowd.slice(25, 50);
    await Promise.all(goers.map((u) => rest(server.url, "POST", `/rooms/${room.id}/join`, { token: u.token })));
    await Promise.all([
      ...stayers.map((u) => rest(server.url, "POST", `/rooms/${room.id}/join`, { token: u.token })),
      ...goers.map((u) => rest(server.url, "POST", `/rooms/${room.id}/leave`, { token: u.token })),
    ]);
    const after = await rest(server.url, "GET", `/rooms/${room.id}`);
    const members = await rest(server.url, "GET", `/rooms/${room.id}/members?limit=200`);
    expect(after.body.room.memberCount).toBe(26);
    expect(members.body.total).toBe(26);
    expect(new Set(members.body.members.map((m: any) => m.userId))).toEqual(
      new Set([owner.id, ...stayers.map((u) => u.id)]),
    );
  });
});
