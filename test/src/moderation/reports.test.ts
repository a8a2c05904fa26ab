import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createRoom,
  grantServerAdmin,
  httpClient,
  joinRoom,
  rest,
  signUpMany,
  startTestServer,
  type TestServer,
  type TestUser,
} from "../harness/index.js";

/*
 * Reports end to end: a reader reports a message once; the room's owner and admins see their
 * room's open reports without the reporter, server admins every room's with the reporter;
 * resolving applies the action (dismiss, delete the message, mute or ban its author), resolves
 * every open report of the message and records who did it in the activity log.
 */
describe("message reports", () => {
  let server: TestServer;
  let serverAdmin: TestUser;
  beforeAll(async () => {
    server = await startTestServer();
    [serverAdmin] = await signUpMany(server.url, 1);
    await grantServerAdmin(server.databaseUrl, serverAdmin.username);
  });
  afterAll(async () => {
    await server?.stop();
  });

  /** An open room: an owner, an admin, an author and two readers (one a member, one not). */
  const scene = async () => {
    const [owner, admin, author, member, stranger] = await signUpMany(server.url, 5);
    const room = await createRoom(server.url, owner.token, { memberIds: [admin.id, author.id, member.id] });
    await rest(server.url, "PUT", `/rooms/${room.id}/members/${admin.id}`, {
      token: owner.token,
      body: { role: "admin" },
    });
    const sent = await rest(server.url, "POST", `/rooms/${room.id}/messages`, {
      token: author.token,
      body: { body: "buy cheap pills" },
    });
    return { room, owner, admin, author, member, stranger, messageId: sent.body.message.id as string };
  };
  const report = (roomId: string, messageId: string, as: TestUser, body: Record<string, unknown>) =>
    rest(server.url, "POST", `/rooms/${roomId}/messages/${messageId}/reports`, { token: as.token, body });
  const roomReports = (roomId: string, as: TestUser, query = "") =>
    rest(server.url, "GET", `/rooms/${roomId}/reports${query}`, { token: as.token });
  const resolveInRoom = (roomId: string, reportId: string, as: TestUser, action: string) =>
    rest(server.url, "POST", `/rooms/${roomId}/reports/${reportId}/resolve`, { token: as.token, body: { action } });
  const resolveAsServerAdmin = (reportId: string, action: string) =>
    rest(server.url, "POST", `/admin/reports/${reportId}/resolve`, { token: serverAdmin.token, body: { action } });
  const adminReports = async (status = "open") => {
    const reports = [];
    let cursor: string | null = null;
    do {
      const query: string = `?status=${status}&limit=200${cursor ? `&cursor=${cursor}` : ""}`;
      const page = await rest(server.url, "GET", `/admin/reports${query}`, { token: serverAdmin.token });
      expect(page.status).toBe(200);
      reports.push(...page.body.reports);
      cursor = page.body.nextCursor;
    } while (cursor);
    return reports;
  };

  it("takes one report per reader and message, from members and non-members, never of one's own", async () => {
    const { room, author, member, stranger, messageId } = await scene();
    const first = await report(room.id, messageId, member, { reason: "spam", note: "  an ad  " });
    expect(first.status).toBe(201);
    expect(first.body.report).toMatchObject({ messageId, roomId: room.id, reason: "spam", note: "an ad" });
    expect(first.body.report.status).toBe("open");
    expect(first.body.report).not.toHaveProperty("reporter");
    const again = await report(room.id, messageId, member, { reason: "abuse" });
    expect([again.status, again.body.error.code]).toEqual([409, "ALREADY_REPORTED"]);
    // A signed-in reader who is no member of an open room reads it, so may report.
    expect((await report(room.id, messageId, stranger, { reason: "other" })).status).toBe(201);
    const own = await report(room.id, messageId, author, { reason: "spam" });
    expect([own.status, own.body.error.code]).toEqual([403, "FORBIDDEN"]);
    const bad = await report(room.id, messageId, member, { reason: "boring" });
    expect([bad.status, bad.body.error.code]).toEqual([400, "VALIDATION_FAILED"]);
    const missing = await report(room.id, room.id, member, { reason: "spam" });
    expect(missing.status).toBe(404);
    const anonymous = await rest(server.url, "POST", `/rooms/${room.id}/messages/${messageId}/reports`, {
      body: { reason: "spam" },
    });
    expect(anonymous.status).toBe(401);
  });

  it("shows a room's reports to its owner and admins without the reporter, and to server admins with", async () => {
    const { room, owner, admin, member, stranger, messageId } = await scene();
    const made = await report(room.id, messageId, member, { reason: "abuse", note: "rude" });
    for (const moderator of [owner, admin]) {
      const listed = await roomReports(room.id, moderator);
      expect(listed.status).toBe(200);
      expect(listed.body.reports).toHaveLength(1);
      const [only] = listed.body.reports;
      expect(only).toMatchObject({
        id: made.body.report.id,
        messageId,
        roomId: room.id,
        reason: "abuse",
        note: "rude",
        status: "open",
        action: null,
        message: { body: "buy cheap pills" },
      });
      expect(JSON.stringify(listed.body)).not.toContain(member.id);
      expect(JSON.stringify(listed.body)).not.toContain(member.username);
    }
    for (const reader of [member, stranger]) {
      const refused = await roomReports(room.id, reader);
      expect([refused.status, refused.body.error.code]).toEqual([403, "FORBIDDEN"]);
    }
    const all = await adminReports();
    const seen = all.find((entry) => entry.id === made.body.report.id);
    expect(seen).toMatchObject({ reporter: { id: member.id, username: member.username }, resolvedBy: null });
    const notAdmin = await rest(server.url, "GET", "/admin/reports", { token: owner.token });
    expect([notAdmin.status, notAdmin.body.error.code]).toEqual([403, "FORBIDDEN"]);
  });

  it("dismisses: the report leaves the open queue, is listed as resolved, and the log names who did it", async () => {
    const { room, admin, member, messageId } = await scene();
    const made = await report(room.id, messageId, member, { reason: "other" });
    const resolved = await resolveInRoom(room.id, made.body.report.id, admin, "dismiss");
    expect(resolved.status).toBe(200);
    expect(resolved.body).toMatchObject({ report: { status: "resolved", action: "dismiss" }, alsoResolved: 0 });
    expect((await roomReports(room.id, admin)).body.reports).toEqual([]);
    const closed = await roomReports(room.id, admin, "?status=resolved");
    expect(closed.body.reports.map((entry: { id: string }) => entry.id)).toEqual([made.body.report.id]);
    const twice = await resolveInRoom(room.id, made.body.report.id, admin, "dismiss");
    expect([twice.status, twice.body.error.code]).toEqual([409, "CONFLICT"]);
    // The message is untouched.
    const page = await rest(server.url, "GET", `/rooms/${room.id}/messages`, { token: member.token });
    expect(page.body.messages.at(-1)).toMatchObject({ id: messageId, body: "buy cheap pills", deletedAt: null });

    const log = await rest(server.url, "GET", `/admin/activity?type=report.resolved&roomId=${room.id}`, {
      token: serverAdmin.token,
    });
    expect(log.body.entries).toHaveLength(1);
    expect(log.body.entries[0]).toMatchObject({
      type: "report.resolved",
      actor: { id: admin.id },
      room: { id: room.id },
      details: { reportId: made.body.report.id, messageId, action: "dismiss", reports: 1 },
    });
  });

  it("deletes the message, resolving every open report of it, through the moderator's delete", async () => {
    const { room, admin, member, stranger, author, messageId } = await scene();
    const first = await report(room.id, messageId, member, { reason: "spam" });
    await report(room.id, messageId, stranger, { reason: "spam" });
    const resolved = await resolveInRoom(room.id, first.body.report.id, admin, "delete-message");
    expect(resolved.status).toBe(200);
    expect(resolved.body).toMatchObject({ report: { action: "delete-message" }, alsoResolved: 1 });
    expect(resolved.body.report.message.body).toBeNull();
    const page = await rest(server.url, "GET", `/rooms/${room.id}/messages`, { token: member.token });
    expect(page.body.messages.at(-1)).toMatchObject({ id: messageId, body: null, deletedAt: expect.any(String) });
    expect((await roomReports(room.id, admin)).body.reports).toEqual([]);
    const deleted = await rest(server.url, "GET", `/admin/activity?type=message.deleted&roomId=${room.id}`, {
      token: serverAdmin.token,
    });
    expect(deleted.body.entries[0]).toMatchObject({ actor: { id: admin.id }, subject: { id: author.id } });
    // A deleted message takes no new reports.
    const late = await report(room.id, messageId, (await signUpMany(server.url, 1))[0], { reason: "spam" });
    expect([late.status, late.body.error.code]).toEqual([409, "CONFLICT"]);
  });

  it("mutes the author in the room; a room admin may not ban, a server admin may", async () => {
    const { room, admin, member, author, messageId } = await scene();
    const made = await report(room.id, messageId, member, { reason: "abuse" });
    const ban = await resolveInRoom(room.id, made.body.report.id, admin, "ban-author");
    expect([ban.status, ban.body.error.code]).toEqual([403, "FORBIDDEN"]);
    // Refused, so still open.
    expect((await roomReports(room.id, admin)).body.reports).toHaveLength(1);
    const muted = await resolveInRoom(room.id, made.body.report.id, admin, "mute-author");
    expect(muted.status).toBe(200);
    const send = await rest(server.url, "POST", `/rooms/${room.id}/messages`, {
      token: author.token,
      body: { body: "again" },
    });
    expect([send.status, send.body.error.code]).toEqual([403, "MUTED"]);

    const next = await rest(server.url, "POST", `/rooms/${room.id}/messages`, {
      token: member.token,
      body: { body: "spam spam" },
    });
    const other = await report(room.id, next.body.message.id, author, { reason: "spam" });
    const banned = await resolveAsServerAdmin(other.body.report.id, "ban-author");
    expect(banned.status).toBe(200);
    expect(banned.body.report).toMatchObject({ status: "resolved", action: "ban-author" });
    const login = await rest(server.url, "POST", "/sessions", {
      body: { username: member.username, password: member.password },
    });
    expect([login.status, login.body.error.code]).toEqual([403, "ACCOUNT_BANNED"]);
    const resolvedList = await adminReports("resolved");
    expect(resolvedList.find((entry) => entry.id === other.body.report.id)).toMatchObject({
      resolvedBy: serverAdmin.id,
      reporter: { id: author.id },
    });
  });

  it("answers REPORT_NOT_FOUND for another room's report, and works over tRPC", async () => {
    const one = await scene();
    const two = await scene();
    const made = await report(one.room.id, one.messageId, one.member, { reason: "spam" });
    const elsewhere = await resolveInRoom(two.room.id, made.body.report.id, two.owner, "dismiss");
    expect([elsewhere.status, elsewhere.body.error.code]).toEqual([404, "REPORT_NOT_FOUND"]);

    const reader = httpClient(server.url, two.stranger.token);
    await joinRoom(server.url, two.stranger.token, two.room.id);
    const created = await reader.reports.create.mutate({
      roomId: two.room.id,
      messageId: two.messageId,
      reason: "other",
    });
    expect(created.report.status).toBe("open");
    const owner = httpClient(server.url, two.owner.token);
    const page = await owner.reports.forRoom.query({ roomId: two.room.id });
    expect(page.reports.map((entry) => entry.id)).toEqual([created.report.id]);
    const admin = httpClient(server.url, serverAdmin.token);
    const result = await admin.reports.resolve.mutate({ reportId: created.report.id, action: "dismiss" });
    expect(result.report.status).toBe("resolved");
    const listed = await admin.reports.list.query({ status: "resolved" });
    expect(listed.reports.some((entry) => entry.id === created.report.id)).toBe(true);
  });

  it("pages a room's reports newest first", async () => {
    const { room, owner, admin, author } = await scene();
    const readers = await signUpMany(server.url, 3);
    const ids: string[] = [];
    for (const reader of readers) {
      const sent = await rest(server.url, "POST", `/rooms/${room.id}/messages`, {
        token: author.token,
        body: { body: "more" },
      });
      ids.push((await report(room.id, sent.body.message.id, reader, { reason: "spam" })).body.report.id);
    }
    const first = await roomReports(room.id, owner, "?limit=2");
    expect(first.body.reports.map((entry: { id: string }) => entry.id)).toEqual([ids[2], ids[1]]);
    const second = await roomReports(room.id, admin, `?limit=2&cursor=${first.body.nextCursor}`);
    expect(second.body.reports.map((entry: { id: string }) => entry.id)).toEqual([ids[0]]);
    expect(second.body.nextCursor).toBeNull();
  });
});
