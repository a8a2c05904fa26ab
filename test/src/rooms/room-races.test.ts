import { openDatabase } from "@natter/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createRoom,
  type RestResponse,
  rest,
  signUp,
  startTestServer,
  type TestServer,
  type TestUser,
} from "../harness/index.js";
import { send } from "../messages/room-fixtures.js";

/**
 * Changes of one room racing each other, through the server. On PostgreSQL each request runs
 * on its own pooled connection, so without the room lock these interleave (stale roles,
 * resurrected messages, deadlocks, two owners); on SQLite they pin down the same contract.
 * Each race is run several times: one run may happen to come out in a safe order.
 */
describe("room changes racing each other", () => {
  const ROUNDS = 6;
  let server: TestServer;
  let people: TestUser[];
  beforeAll(async () => {
    server = await startTestServer({ config: { rateLimits: "off" } });
    people = await Promise.all(Array.from({ length: 12 }, () => signUp(server.url)));
  });
  afterAll(() => server.stop());

  /** A room of `owner` with the others in it, `admins` of them promoted. */
  const roomOf = async (owner: TestUser, others: TestUser[], admins: TestUser[] = []) => {
    const room = await createRoom(server.url, owner.token, { memberIds: others.map((u) => u.id) });
    for (const admin of admins) {
      const res = await rest(server.url, "PUT", `/rooms/${room.id}/members/${admin.id}`, {
        token: owner.token,
        body: { role: "admin" },
      });
      expect(res.status).toBe(200);
    }
    return room.id;
  };

  const expectNo500 = (results: RestResponse[]) =>
    expect(results.filter((r) => r.status >= 500).map((r) => r.body)).toEqual([]);

  /** The room's members as the API lists them, with their roles. */
  const membersOf = async (roomId: string): Promise<{ userId: string; role: string }[]> => {
    const res = await rest(server.url, "GET", `/rooms/${roomId}/members?limit=200`);
    expect(res.status).toBe(200);
    return res.body.members;
  };

  /** The room's log as stored: seq, type and payload, oldest first. */
  const logOf = async (roomId: string) => {
    const { db, close } = openDatabase(server.databaseUrl);
    try {
      const rows = await db
        .selectFrom("room_events")
        .select(["seq", "type", "payload"])
        .where("room_id", "=", roomId)
        .orderBy("seq")
        .execute();
      return rows.map((row) => ({ seq: row.seq, type: row.type, event: JSON.parse(row.payload) }));
    } finally {
      await close();
    }
  };

  it("lets most of a room leave at once without deadlock, and leaves it exactly one owner", async () => {
    const rooms = await Promise.all(
      Array.from({ length: ROUNDS }, async (_, round) => {
        // Each room its own owner and admins, so the rooms race each other too.
        const order = [...people.slice(round), ...people.slice(0, round)];
        const [owner, ...others] = order as [TestUser, ...TestUser[]];
        return { order, id: await roomOf(owner, others, others.slice(0, 3)) };
      }),
    );
    const results = await Promise.all(
      rooms.flatMap(({ order, id }) =>
        // Everyone but the last two leaves: the owner, all the admins, most members.
        order.slice(0, -2).map((u) => rest(server.url, "POST", `/rooms/${id}/leave`, { token: u.token })),
      ),
    );
    expectNo500(results);
    expect(results.map((r) => r.status)).toEqual(results.map(() => 200));
    for (const { order, id } of rooms) {
      const stayers = order.slice(-2).map((u) => u.id);
      const members = await membersOf(id);
      expect(members.map((m) => m.userId).sort()).toEqual([...stayers].sort());
      expect(members.filter((m) => m.role === "owner")).toHaveLength(1);
      const room = await rest(server.url, "GET", `/rooms/${id}`);
      expect(room.body.room.memberCount).toBe(2);
      expect(stayers).toContain(room.body.room.ownerId);
      const owner = await rest(server.url, "GET", `/rooms/${id}/owner`);
      expect(owner.body.owner.userId).toBe(room.body.room.ownerId);
    }
  });

  it("never brings back a message whose deletion raced an edit", async () => {
    const [alice] = people as [TestUser];
    const roomId = await roomOf(alice, []);
    for (let round = 0; round < ROUNDS * 2; round++) {
      const message = await send(server.url, alice, roomId, `secret ${round}`);
      const path = `/rooms/${roomId}/messages/${message.id}`;
      const [edit, deletion] = await Promise.all([
        rest(server.url, "PATCH", path, { token: alice.token, body: { body: `edited ${round}` } }),
        rest(server.url, "DELETE", path, { token: alice.token }),
      ]);
      expectNo500([edit, deletion]);
      // The edit came first (and the deletion took its text too), or found the message deleted.
      expect([200, 409]).toContain(edit.status);
      expect(deletion.status).toBe(200);
    }
    const history = await rest(server.url, "GET", `/rooms/${roomId}/messages?limit=100`, { token: alice.token });
    expect(history.body.messages).toHaveLength(ROUNDS * 2);
    for (const message of history.body.messages) {
      expect(message).toMatchObject({ body: null, deletedAt: expect.any(String) });
    }
    // Nor does any stored event, replayed to a watcher, show a text again.
    const texts = (await logOf(roomId)).flatMap(({ event }) => (event.message?.body ? [event.message.body] : []));
    expect(texts).toEqual([]);
  });

  it("refuses a kick by an admin whose demotion committed first", async () => {
    const [owner, admin, ...targets] = people as [TestUser, TestUser, ...TestUser[]];
    for (let round = 0; round < ROUNDS; round++) {
      const roomId = await roomOf(owner, [admin, ...targets], [admin]);
      // The admin kicks everyone at once while the owner demotes them: some kicks come after.
      const [demotion, ...kicks] = await Promise.all([
        rest(server.url, "PUT", `/rooms/${roomId}/members/${admin.id}`, {
          token: owner.token,
          body: { role: "member" },
        }),
        ...targets.map((target) =>
          rest(server.url, "DELETE", `/rooms/${roomId}/members/${target.id}`, { token: admin.token }),
        ),
      ]);
      expectNo500([demotion, ...kicks]);
      expect(demotion.status).toBe(200);
      for (const kick of kicks) expect([200, 403]).toContain(kick.status);
      const log = await logOf(roomId);
      const demoted = log.find(
        (e) => e.type === "member.role_changed" && e.event.userId === admin.id && e.event.role === "member",
      );
      const kicked = log.filter((e) => e.type === "member.kicked");
      expect(kicked).toHaveLength(kicks.filter((k) => k.status === 200).length);
      // Every kick that succeeded was made while the kicker was still an admin.
      for (const entry of kicked) expect(entry.seq).toBeLessThan(demoted?.seq ?? 0);
    }
  });

  it("hands ownership over once when the owner hands it to several at once, never answering 500", async () => {
    const [owner, ...heirs] = people.slice(0, 5) as [TestUser, ...TestUser[]];
    for (let round = 0; round < ROUNDS; round++) {
      const roomId = await roomOf(owner, heirs);
      const results = await Promise.all(
        heirs.map((heir) =>
          rest(server.url, "PUT", `/rooms/${roomId}/members/${heir.id}`, {
            token: owner.token,
            body: { role: "owner" },
          }),
        ),
      );
      expectNo500(results);
      // The first hand-over makes the old owner an admin, who may not hand ownership on.
      expect(results.filter((r) => r.status === 200)).toHaveLength(1);
      expect(results.filter((r) => r.status === 403)).toHaveLength(heirs.length - 1);
      const members = await membersOf(roomId);
      const owners = members.filter((m) => m.role === "owner");
      expect(owners).toHaveLength(1);
      expect(members.find((m) => m.userId === owner.id)?.role).toBe("admin");
    }
  });

  it("answers every change of a busy room, mixed with joins, sends and leaves, without a 500", async () => {
    const [owner, ...crowd] = people as [TestUser, ...TestUser[]];
    const roomId = await roomOf(owner, []);
    const results = await Promise.all(
      crowd.flatMap((u, i) => [
        rest(server.url, "POST", `/rooms/${roomId}/join`, { token: u.token }),
        rest(server.url, "POST", `/rooms/${roomId}/messages`, { token: u.token, body: { body: `hi ${i}` } }),
        rest(server.url, "PATCH", `/rooms/${roomId}`, { token: u.token, body: { name: `name ${i}` } }),
        rest(server.url, "POST", `/rooms/${roomId}/leave`, { token: u.token }),
        rest(server.url, "PUT", `/rooms/${roomId}/members/${u.id}`, { token: owner.token, body: { role: "admin" } }),
      ]),
    );
    expectNo500(results);
    // The log is gapless and its count of members agrees with the table.
    const log = await logOf(roomId);
    expect(log.map((e) => e.seq)).toEqual(log.map((_, i) => i + 1));
    const room = await rest(server.url, "GET", `/rooms/${roomId}`);
    expect(room.body.room.memberCount).toBe((await membersOf(roomId)).length);
    expect(room.body.room.lastSeq).toBe(log.length);
  });
});
