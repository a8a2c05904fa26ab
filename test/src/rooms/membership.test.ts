import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createRoom,
  joinRoom,
  ManualClock,
  rest,
  signUpMany,
  startTestServer,
  type TestServer,
  type TestUser as User,
} from "../harness/index.js";

describe("membership", () => {
  const clock = new ManualClock(Date.parse("2026-03-01T09:00:00.000Z"));
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ clock });
  });
  afterAll(() => server.stop());

  const users = <N extends number>(n: N) => signUpMany(server.url, n);
  const roleOf = async (roomId: string, user: User) =>
    (await rest(server.url, "GET", `/rooms/${roomId}/members/${user.id}`)).body.member?.role;
  const put = (roomId: string, as: User, target: string, role?: string) =>
    rest(server.url, "PUT", `/rooms/${roomId}/members/${target}`, { token: as.token, body: role ? { role } : {} });
  const kick = (roomId: string, as: User, target: string) =>
    rest(server.url, "DELETE", `/rooms/${roomId}/members/${target}`, { token: as.token });
  const leave = (roomId: string, as: User) => rest(server.url, "POST", `/rooms/${roomId}/leave`, { token: as.token });

  describe("ownership hand-over when the owner leaves", () => {
    it("goes to the longest-standing admin, even before longer-standing members", async () => {
      const [owner, member, admin1, admin2] = await users(4);
      const room = await createRoom(server.url, owner.token);
      for (const user of [member, admin1, admin2]) {
        clock.advance(1000);
        await joinRoom(server.url, user.token, room.id);
      }
      // Promoted in the other order: standing counts from joining, not from promotion.
      expect((await put(room.id, owner, admin2.id, "admin")).status).toBe(200);
      expect((await put(room.id, owner, admin1.id, "admin")).status).toBe(200);
      const left = await leave(room.id, owner);
      expect(left.body).toEqual({ roomId: room.id, deleted: false });
      const owners = await rest(server.url, "GET", `/rooms/${room.id}/owner`);
      expect(owners.body.owner).toEqual({ userId: admin1.id, username: admin1.username });
      const after = (await rest(server.url, "GET", `/rooms/${room.id}`)).body.room;
      expect(after).toMatchObject({ ownerId: admin1.id, memberCount: 3 });
      expect(await roleOf(room.id, admin2)).toBe("admin");
      expect(await roleOf(room.id, member)).toBe("member");
    });

    it("goes to the longest-standing member when there is no admin, the lower user id on a tie", async () => {
      const [owner, early, tiedA, tiedB] = await users(4);
      const room = await createRoom(server.url, owner.token);
      clock.advance(1000);
      await joinRoom(server.url, early.token, room.id);
      clock.advance(1000);
      await Promise.all([joinRoom(server.url, tiedA.token, room.id), joinRoom(server.url, tiedB.token, room.id)]);
      await leave(room.id, owner);
      expect((await rest(server.url, "GET", `/rooms/${room.id}`)).body.room.ownerId).toBe(early.id);
      await leave(room.id, early);
      const lower = tiedA.id < tiedB.id ? tiedA : tiedB;
      expect((await rest(server.url, "GET", `/rooms/${room.id}`)).body.room.ownerId).toBe(lower.id);
    });

    it("lets the new owner act as owner and the old one no longer", async () => {
      const [owner, heir] = await users(2);
      const room = await createRoom(server.url, owner.token, { memberIds: [heir.id] });
      await leave(room.id, owner);
      await joinRoom(server.url, owner.token, room.id);
      expect((await rest(server.url, "DELETE", `/rooms/${room.id}`, { token: owner.token })).status).toBe(403);
      expect((await rest(server.url, "DELETE", `/rooms/${room.id}`, { token: heir.token })).status).toBe(200);
    });
  });

  describe("the last member leaving", () => {
    it("deletes the room with its data", async () => {
      const [alice, bob] = await users(2);
      const room = await createRoom(server.url, alice.token, { open: false, memberIds: [bob.id] });
      expect((await leave(room.id, alice)).body).toEqual({ roomId: room.id, deleted: false });
      expect((await leave(room.id, bob)).body).toEqual({ roomId: room.id, deleted: true });
      const gone = await rest(server.url, "GET", `/rooms/${room.id}`, { token: bob.token });
      expect(gone.status).toBe(404);
      expect(gone.body.error.code).toBe("ROOM_NOT_FOUND");
      expect((await joinRoom(server.url, alice.token, room.id).catch((e: Error) => e.message)) as string).toMatch(
        /404/,
      );
    });

    it("deletes it also when the last member leaves through DELETE /members/{ownId}", async () => {
      const [alice] = await users(1);
      const room = await createRoom(server.url, alice.token);
      const res = await kick(room.id, alice, alice.id);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ roomId: room.id, userId: alice.id, roomDeleted: true });
      expect((await rest(server.url, "GET", `/rooms/${room.id}`)).status).toBe(404);
    });

    it("tells a non-member that they are not in the room", async () => {
      const [alice, bob] = await users(2);
      const open = await createRoom(server.url, alice.token);
      const closed = await createRoom(server.url, alice.token, { open: false });
      expect((await leave(open.id, bob)).body.error.code).toBe("MEMBER_NOT_FOUND");
      expect((await leave(closed.id, bob)).body.error.code).toBe("ROOM_NOT_FOUND");
    });
  });

  describe("kicking", () => {
    it("lets admins kick members, only the owner kick admins, and nobody kick the owner", async () => {
      const [owner, admin, admin2, member, member2] = await users(5);
      const room = await createRoom(server.url, owner.token, {
        open: false,
        memberIds: [admin.id, admin2.id, member.id, member2.id],
      });
      await put(room.id, owner, admin.id, "admin");
      await put(room.id, owner, admin2.id, "admin");

      const memberKicks = await kick(room.id, member, member2.id);
      expect(memberKicks.status).toBe(403);
      expect(memberKicks.body.error).toMatchObject({ code: "FORBIDDEN", requiredRole: "admin" });
      const adminKicksAdmin = await kick(room.id, admin, admin2.id);
      expect(adminKicksAdmin.status).toBe(403);
      expect(adminKicksAdmin.body.error).toMatchObject({ code: "FORBIDDEN", requiredRole: "owner" });
      const adminKicksOwner = await kick(room.id, admin, owner.id);
      expect(adminKicksOwner.status).toBe(403);
      expect(adminKicksOwner.body.error.code).toBe("FORBIDDEN");

      const adminKicksMember = await kick(room.id, admin, member2.id);
      expect(adminKicksMember.body).toEqual({ roomId: room.id, userId: member2.id, roomDeleted: false });
      const ownerKicksAdmin = await kick(room.id, owner, admin2.id);
      expect(ownerKicksAdmin.status).toBe(200);

      // Kicked out of a closed room is out of sight.
      expect((await rest(server.url, "GET", `/rooms/${room.id}`, { token: member2.token })).status).toBe(404);
      const after = await rest(server.url, "GET", `/rooms/${room.id}`, { token: owner.token });
      expect(after.body.room.memberCount).toBe(3);
      expect((await kick(room.id, owner, member2.id)).body.error.code).toBe("MEMBER_NOT_FOUND");
    });
  });

  describe("roles", () => {
    it("are changed by the owner only", async () => {
      const [owner, admin, member] = await users(3);
      const room = await createRoom(server.url, owner.token, { memberIds: [admin.id, member.id] });
      const promoted = await put(room.id, owner, admin.id, "admin");
      expect(promoted.status).toBe(200);
      expect(promoted.body.member).toMatchObject({ userId: admin.id, username: admin.username, role: "admin" });
      const byAdmin = await put(room.id, admin, member.id, "admin");
      expect(byAdmin.status).toBe(403);
      expect(byAdmin.body.error).toMatchObject({ code: "FORBIDDEN", requiredRole: "owner" });
      expect(await roleOf(room.id, member)).toBe("member");
      const demoted = await put(room.id, owner, admin.id, "member");
      expect(demoted.body.member.role).toBe("member");
      // Naming the role someone has already, or none, changes nothing.
      expect((await put(room.id, owner, member.id, "member")).body.member.role).toBe("member");
      expect((await put(room.id, owner, member.id)).body.member.role).toBe("member");
    });

    it("hand ownership over when the owner gives the owner role", async () => {
      const [owner, heir] = await users(2);
      const room = await createRoom(server.url, owner.token, { memberIds: [heir.id] });
      const res = await put(room.id, owner, heir.id, "owner");
      expect(res.status).toBe(200);
      expect(res.body.member.role).toBe("owner");
      expect(await roleOf(room.id, owner)).toBe("admin");
      expect((await rest(server.url, "GET", `/rooms/${room.id}`)).body.room.ownerId).toBe(heir.id);
      const admins = await rest(server.url, "GET", `/rooms/${room.id}/admins`);
      expect(admins.body.total).toBe(2);
      expect(admins.body.members.filter((m: any) => m.role === "owner").map((m: any) => m.userId)).toEqual([heir.id]);
      expect((await put(room.id, owner, heir.id, "member")).status).toBe(403);
    });

    it("keep the owner from stepping down without an heir", async () => {
      const [owner] = await users(1);
      const room = await createRoom(server.url, owner.token);
      const res = await put(room.id, owner, owner.id, "admin");
      expect(res.status).toBe(409);
      expect(res.body.error.code).toBe("CONFLICT");
      expect(await roleOf(room.id, owner)).toBe("owner");
      expect((await put(room.id, owner, owner.id, "owner")).body.member.role).toBe("owner");
    });
  });

  describe("adding members", () => {
    it("lets admins add users to a closed room, which they can then read", async () => {
      const [owner, admin, guest, member] = await users(4);
      const room = await createRoom(server.url, owner.token, { open: false, memberIds: [admin.id, member.id] });
      await put(room.id, owner, admin.id, "admin");
      expect((await put(room.id, member, guest.id)).body.error).toMatchObject({ requiredRole: "admin" });
      const added = await put(room.id, admin, guest.id);
      expect(added.status).toBe(200);
      expect(added.body.member).toMatchObject({ userId: guest.id, role: "member" });
      expect((await rest(server.url, "GET", `/rooms/${room.id}`, { token: guest.token })).body.room.memberCount).toBe(
        4,
      );
      // Adding again is idempotent.
      expect((await put(room.id, admin, guest.id)).status).toBe(200);
      expect((await rest(server.url, "GET", `/rooms/${room.id}`, { token: guest.token })).body.room.memberCount).toBe(
        4,
      );
    });

    it("lets the owner add a user straight in as admin, but not an admin", async () => {
      const [owner, admin, newcomer] = await users(3);
      const room = await createRoom(server.url, owner.token, { memberIds: [admin.id] });
      await put(room.id, owner, admin.id, "admin");
      expect((await put(room.id, admin, newcomer.id, "admin")).status).toBe(403);
      expect(await roleOf(room.id, newcomer)).toBeUndefined();
      expect((await put(room.id, owner, newcomer.id, "admin")).body.member.role).toBe("admin");
    });

    it("answers 404 USER_NOT_FOUND for a user that does not exist", async () => {
      const [owner] = await users(1);
      const room = await createRoom(server.url, owner.token);
      const res = await put(room.id, owner, "0190aaaa-0000-7000-8000-000000000000");
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe("USER_NOT_FOUND");
    });
  });

  describe("member lookups", () => {
    it("answer MEMBER_NOT_FOUND for a user who is not in the room", async () => {
      const [owner, stranger] = await users(2);
      const room = await createRoom(server.url, owner.token);
      const res = await rest(server.url, "GET", `/rooms/${room.id}/members/${stranger.id}`);
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe("MEMBER_NOT_FOUND");
    });
  });
});
