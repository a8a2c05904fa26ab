import { type Database, openDatabase } from "@natter/db";
import { roomEventSchema } from "@natter/shared";
import type { Kysely } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createRoom,
  joinRoom,
  ManualClock,
  rest,
  signUpMany,
  startTestServer,
  type TestServer,
  type TestUser,
} from "../harness/index.js";

/*
 * Mutes: a room's admins mute members (the owner admins too) until a time or until lifted. A
 * muted member reads but cannot send or edit (403 MUTED with `until`); the mute ends by itself
 * at `until`, which the manual clock reaches. The room log records member.muted/unmuted.
 */
describe("mutes", () => {
  const clock = new ManualClock(Date.parse("2026-06-01T12:00:00.000Z"));
  let server: TestServer;
  let db: Kysely<Database>;
  let closeDb: () => Promise<void>;
  beforeAll(async () => {
    server = await startTestServer({ clock });
    ({ db, close: closeDb } = openDatabase(server.databaseUrl));
  });
  afterAll(async () => {
    await closeDb?.();
    await server?.stop();
  });

  const roomOfFour = async (open = true) => {
    const [owner, admin, member, other] = await signUpMany(server.url, 4);
    const room = await createRoom(server.url, owner.token, { open, memberIds: [admin.id, member.id, other.id] });
    await rest(server.url, "PUT", `/rooms/${room.id}/members/${admin.id}`, {
      token: owner.token,
      body: { role: "admin" },
    });
    return { room, owner, admin, member, other };
  };
  const mute = (roomId: string, as: TestUser, userId: string, body: Record<string, unknown> = {}) =>
    rest(server.url, "PUT", `/rooms/${roomId}/mutes/${userId}`, { token: as.token, body });
  const unmute = (roomId: string, as: TestUser, userId: string) =>
    rest(server.url, "DELETE", `/rooms/${roomId}/mutes/${userId}`, { token: as.token });
  const mutes = (roomId: string, as: TestUser, query = "") =>
    rest(server.url, "GET", `/rooms/${roomId}/mutes${query}`, { token: as.token });
  const send = (roomId: string, as: TestUser, body = "hello") =>
    rest(server.url, "POST", `/rooms/${roomId}/messages`, { token: as.token, body: { body } });
  const inAMinute = () => new Date(clock.now() + 60_000).toISOString();
  const storedEvents = async (roomId: string) =>
    (await db.selectFrom("room_events").select("payload").where("room_id", "=", roomId).orderBy("seq").execute())
      .map((row) => roomEventSchema.parse(JSON.parse(row.payload)))
      .filter((event) => event.type === "member.muted" || event.type === "member.unmuted");

  it("keeps a muted member reading but not sending or editing, until `until`, when it ends by itself", async () => {
    const { room, admin, member } = await roomOfFour();
    const before = await send(room.id, member, "before");
    const until = inAMinute();
    const muted = await mute(room.id, admin, member.id, { until, reason: "cool down" });
    expect(muted.status).toBe(200);
    expect(muted.body.mute).toMatchObject({
      roomId: room.id,
      userId: member.id,
      username: member.username,
      until,
      reason: "cool down",
      mutedBy: admin.id,
    });

    const refused = await send(room.id, member, "during");
    expect(refused.status).toBe(403);
    expect(refused.body.error).toMatchObject({ code: "MUTED", until });
    const edit = await rest(server.url, "PATCH", `/rooms/${room.id}/messages/${before.body.message.id}`, {
      token: member.token,
      body: { body: "edited while muted" },
    });
    expect(edit.status).toBe(403);
    expect(edit.body.error.code).toBe("MUTED");
    const read = await rest(server.url, "GET", `/rooms/${room.id}/messages?limit=10`, { token: member.token });
    expect(read.status).toBe(200);
    expect(read.body.messages.map((m: { body: string }) => m.body)).toEqual(["before"]);

    clock.advance(59_000);
    expect((await send(room.id, member, "still during")).status).toBe(403);
    clock.advance(1_000);
    expect((await send(room.id, member, "after")).status).toBe(201);
    expect((await mutes(room.id, admin)).body).toEqual({ mutes: [], nextCursor: null });
    // The server logs the end itself, with no actor: watchers learn the member may speak again.
    await expect
      .poll(() => storedEvents(room.id))
      .toMatchObject([
        { type: "member.muted", actorId: admin.id, userId: member.id, until },
        { type: "member.unmuted", actorId: null, userId: member.id },
      ]);
  });

  it("ends a mute renewed before its end at the new end, not the first", async () => {
    const { room, admin, member, other } = await roomOfFour();
    await mute(room.id, admin, member.id, { until: inAMinute() });
    await mute(room.id, admin, other.id, { until: inAMinute() });
    const later = new Date(clock.now() + 5 * 60_000).toISOString();
    expect((await mute(room.id, admin, member.id, { until: later })).status).toBe(200);
    clock.advance(60_000);
    // The sweep at the first end ends the other member's mute; the renewed one stays.
    await expect
      .poll(async () => (await storedEvents(room.id)).filter((e) => e.type === "member.unmuted"))
      .toMatchObject([{ userId: other.id, actorId: null }]);
    expect((await send(room.id, member)).body.error).toMatchObject({ code: "MUTED", until: later });
    clock.advance(4 * 60_000);
    await expect
      .poll(async () => (await storedEvents(room.id)).filter((e) => e.type === "member.unmuted").map((e) => e.userId))
      .toEqual([other.id, member.id]);
  });

  it("lasts until lifted without `until`; lifting logs member.unmuted and is idempotent", async () => {
    const { room, owner, member } = await roomOfFour();
    expect((await mute(room.id, owner, member.id)).body.mute.until).toBeNull();
    clock.advance(24 * 3600_000);
    const refused = await send(room.id, member);
    expect(refused.body.error).toMatchObject({ code: "MUTED", until: null });
    const lifted = await unmute(room.id, owner, member.id);
    expect(lifted.status).toBe(200);
    expect(lifted.body).toEqual({ roomId: room.id, userId: member.id, unmuted: true });
    expect((await send(room.id, member)).status).toBe(201);
    expect((await unmute(room.id, owner, member.id)).body.unmuted).toBe(false);
    expect((await storedEvents(room.id)).map((e) => e.type)).toEqual(["member.muted", "member.unmuted"]);
  });

  it("outlives leaving and joining again", async () => {
    const { room, admin, member } = await roomOfFour();
    await mute(room.id, admin, member.id, { until: inAMinute() });
    expect((await rest(server.url, "POST", `/rooms/${room.id}/leave`, { token: member.token })).status).toBe(200);
    await joinRoom(server.url, member.token, room.id);
    expect((await send(room.id, member)).body.error.code).toBe("MUTED");
  });

  it("is for admins over members and the owner over admins, never over an equal or higher role", async () => {
    const { room, owner, admin, member, other } = await roomOfFour();
    const [outsider] = await signUpMany(server.url, 1);
    expect((await mute(room.id, member, other.id)).body.error.code).toBe("FORBIDDEN");
    expect((await mute(room.id, admin, owner.id)).body.error.code).toBe("FORBIDDEN");
    expect((await mute(room.id, admin, admin.id)).body.error.code).toBe("FORBIDDEN");
    expect((await mute(room.id, admin, outsider.id)).body.error.code).toBe("MEMBER_NOT_FOUND");
    expect((await mute(room.id, owner, admin.id)).status).toBe(200);
    // Admins are exempt from mutes only while they are admins: the mute binds once demoted.
    expect((await send(room.id, admin)).status).toBe(201);
    await rest(server.url, "PUT", `/rooms/${room.id}/members/${admin.id}`, {
      token: owner.token,
      body: { role: "member" },
    });
    expect((await send(room.id, admin)).body.error.code).toBe("MUTED");
    const past = new Date(clock.now() - 1000).toISOString();
    const refused = await mute(room.id, owner, member.id, { until: past });
    expect(refused.status).toBe(400);
    expect(refused.body.error.code).toBe("VALIDATION_FAILED");
  });

  it("lists the mutes in force to admins only, a page at a time", async () => {
    const { room, owner, admin, member, other } = await roomOfFour(false);
    await mute(room.id, admin, member.id, { reason: "spam" });
    await mute(room.id, admin, other.id, { until: inAMinute() });
    expect((await mutes(room.id, member)).body.error.code).toBe("FORBIDDEN");
    const [stranger] = await signUpMany(server.url, 1);
    expect((await mutes(room.id, stranger)).body.error.code).toBe("ROOM_NOT_FOUND");
    const first = await mutes(room.id, owner, "?limit=1");
    expect(first.body.mutes).toHaveLength(1);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const second = await mutes(room.id, owner, `?limit=1&cursor=${first.body.nextCursor}`);
    expect(second.body.mutes).toHaveLength(1);
    expect(second.body.nextCursor).toBeNull();
    const listed = [...first.body.mutes, ...second.body.mutes].map((m: { userId: string }) => m.userId).sort();
    expect(listed).toEqual([member.id, other.id].sort());
  });
});
