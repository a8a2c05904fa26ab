import { type Database, openDatabase } from "@natter/db";
import { type RoomEvent, roomEventSchema } from "@natter/shared";
import type { Kysely } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createRoom,
  joinRoom,
  rest,
  signUp,
  signUpMany,
  startTestServer,
  type TestServer,
  type TestUser,
} from "../harness/index.js";

/*
 * Every room and membership change is logged in the room's ordered log (seq 1, 2, 3...,
 * written with the change), recorded in the activity table, and published on the event bus
 * once committed. The log is read from the server's SQLite file; the bus is the server's own.
 */
describe("the room log and the activity table", () => {
  let server: TestServer;
  let db: Kysely<Database>;
  let closeDb: () => Promise<void>;
  beforeAll(async () => {
    server = await startTestServer();
    ({ db, close: closeDb } = openDatabase(server.databaseUrl));
  });
  afterAll(async () => {
    await closeDb();
    await server.stop();
  });

  const storedEvents = async (roomId: string) =>
    (await db.selectFrom("room_events").select("payload").where("room_id", "=", roomId).orderBy("seq").execute()).map(
      (row) => roomEventSchema.parse(JSON.parse(row.payload)),
    );
  const activity = (roomId: string) =>
    db
      .selectFrom("activity_log")
      .select(["action", "actor_id", "subject_id", "detail"])
      .where("room_id", "=", roomId)
      .orderBy("id")
      .execute();
  const watch = async (roomId: string) => {
    const seen: RoomEvent[] = [];
    const stop = await server.services.events.subscribe(roomId, { onEvent: (event) => seen.push(event) });
    return { seen, stop };
  };
  const summary = (events: readonly RoomEvent[]) =>
    events.map((e) => {
      const subject = "userId" in e ? e.userId : "member" in e ? e.member.userId : undefined;
      const role = "role" in e ? e.role : "member" in e ? e.member.role : undefined;
      return { seq: e.seq, type: e.type, actorId: e.actorId, subject, role };
    });

  it("numbers every change 1..n without gaps, logs each in the activity table and publishes it", async () => {
    const [alice, bob, carol, dave] = await signUpMany(server.url, 4);
    const room = await createRoom(server.url, alice.token, { memberIds: [bob.id, carol.id] });
    const bus = await watch(room.id);
    const as = (user: TestUser) => ({ token: user.token });

    await joinRoom(server.url, dave.token, room.id);
    await joinRoom(server.url, dave.token, room.id); // already in: nothing to log
    await rest(server.url, "PATCH", `/rooms/${room.id}`, { ...as(bob), body: { name: "renamed" } });
    await rest(server.url, "PATCH", `/rooms/${room.id}`, { ...as(bob), body: { name: "renamed" } }); // unchanged
    await rest(server.url, "PUT", `/rooms/${room.id}/members/${carol.id}`, { ...as(alice), body: { role: "admin" } });
    await rest(server.url, "DELETE", `/rooms/${room.id}/members/${dave.id}`, as(carol));
    await rest(server.url, "PUT", `/rooms/${room.id}/members/${bob.id}`, { ...as(alice), body: { role: "owner" } });
    await rest(server.url, "POST", `/rooms/${room.id}/leave`, as(bob));
    bus.stop();

    // Alice and Carol are admins who joined at the same instant: the lower user id inherits.
    const heir = alice.id < carol.id ? alice.id : carol.id;
    const expected = [
      { seq: 1, type: "room.created", actorId: alice.id, subject: undefined, role: undefined },
      { seq: 2, type: "member.joined", actorId: alice.id, subject: bob.id, role: "member" },
      { seq: 3, type: "member.joined", actorId: alice.id, subject: carol.id, role: "member" },
      { seq: 4, type: "member.joined", actorId: dave.id, subject: dave.id, role: "member" },
      { seq: 5, type: "room.updated", actorId: bob.id, subject: undefined, role: undefined },
      { seq: 6, type: "member.role_changed", actorId: alice.id, subject: carol.id, role: "admin" },
      { seq: 7, type: "member.kicked", actorId: carol.id, subject: dave.id, role: undefined },
      { seq: 8, type: "member.role_changed", actorId: alice.id, subject: alice.id, role: "admin" },
      { seq: 9, type: "member.role_changed", actorId: alice.id, subject: bob.id, role: "owner" },
      { seq: 10, type: "member.left", actorId: bob.id, subject: bob.id, role: undefined },
      { seq: 11, type: "member.role_changed", actorId: null, subject: heir, role: "owner" },
    ];
    const stored = await storedEvents(room.id);
    expect(summary(stored)).toEqual(expected);
    expect(stored[0]).toMatchObject({ type: "room.created", room: { ...room, memberCount: 1, lastSeq: 1 } });
    expect(stored[4]).toMatchObject({ type: "room.updated", name: "renamed", open: true });
    expect(bus.seen).toEqual(stored.slice(3));

    const rows = await activity(room.id);
    expect(rows.map((r) => [r.action, r.actor_id, r.subject_id])).toEqual(
      expected.map((e) => [e.type, e.actorId, e.subject ?? null]),
    );
    expect(rows[5]?.detail && JSON.parse(rows[5].detail)).toEqual({ role: "admin" });
  });

  it("publishes the deletion when the last member leaves, and drops the log with the room", async () => {
    const [alice, bob] = await Promise.all([signUp(server.url), signUp(server.url)]);
    const room = await createRoom(server.url, alice.token, { open: false, memberIds: [bob.id] });
    const bus = await watch(room.id);
    await rest(server.url, "POST", `/rooms/${room.id}/leave`, { token: alice.token });
    await rest(server.url, "POST", `/rooms/${room.id}/leave`, { token: bob.token });
    bus.stop();
    expect(summary(bus.seen).map(({ seq, type, actorId }) => ({ seq, type, actorId }))).toEqual([
      { seq: 3, type: "member.left", actorId: alice.id },
      { seq: 4, type: "member.role_changed", actorId: null },
      { seq: 5, type: "member.left", actorId: bob.id },
      { seq: 6, type: "room.deleted", actorId: bob.id },
    ]);
    expect(await storedEvents(room.id)).toEqual([]);
    const members = await db.selectFrom("room_members").select("user_id").where("room_id", "=", room.id).execute();
    expect(members).toEqual([]);
    // The activity table outlives the room.
    expect((await activity(room.id)).map((r) => r.action)).toEqual([
      "room.created",
      "member.joined",
      "member.left",
      "member.role_changed",
      "member.left",
      "room.deleted",
    ]);
  });

  it("publishes the deletion when the owner deletes the room", async () => {
    const alice = await signUp(server.url);
    const room = await createRoom(server.url, alice.token);
    const bus = await watch(room.id);
    await rest(server.url, "DELETE", `/rooms/${room.id}`, { token: alice.token });
    bus.stop();
    expect(bus.seen).toEqual([
      { type: "room.deleted", roomId: room.id, seq: 2, at: expect.any(String), actorId: alice.id },
    ]);
    expect(await storedEvents(room.id)).toEqual([]);
  });

  it("logs and publishes nothing for a refused change", async () => {
    const [alice, bob] = await Promise.all([signUp(server.url), signUp(server.url)]);
    const room = await createRoom(server.url, alice.token, { memberIds: [bob.id] });
    const bus = await watch(room.id);
    expect((await rest(server.url, "DELETE", `/rooms/${room.id}`, { token: bob.token })).status).toBe(403);
    expect(
      (await rest(server.url, "PATCH", `/rooms/${room.id}`, { token: bob.token, body: { open: false } })).status,
    ).toBe(403);
    bus.stop();
    expect(bus.seen).toEqual([]);
    expect((await storedEvents(room.id)).map((e) => e.seq)).toEqual([1, 2]);
  });
});
