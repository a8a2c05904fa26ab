import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type InboxEvent, inboxEventSchema } from "@natter/shared";
import type { TRPCClientError } from "@trpc/client";
import type { AppRouter } from "natter";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  rawEventStream,
  rest,
  signUpMany,
  startTestServer,
  type TestServer,
  type TestUser,
  wsClient,
} from "../harness/index.js";
import { newRoom, send, waitFor } from "../messages/room-fixtures.js";
import { gapless, type InboxWatch, kindsOf, watchInbox } from "./inbox-fixtures.js";

describe("the inbox stream (users.events, GET /me/events)", () => {
  const dir = mkdtempSync(join(tmpdir(), "natter-inbox-"));
  let server: TestServer;
  const clients: Array<{ close(): void }> = [];
  beforeAll(async () => {
    server = await startTestServer({ dir, config: { rateLimits: "off" } });
  });
  afterAll(async () => {
    for (const client of clients) client.close();
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const watch = (user: TestUser, lastEventId = "0"): InboxWatch => {
    const client = wsClient(server.url, { token: user.token });
    clients.push(client);
    return watchInbox(client.client, lastEventId);
  };

  it("tells a user of rooms gained, messages (with mentions), reads, kicks and direct rooms, in their own seq order", async () => {
    const [alice, bob] = await signUpMany(server.url, 2);
    const inbox = watch(alice);
    const roomId = await newRoom(server.url, bob, { open: false, members: [alice] });
    await inbox.until("room.added", (events) => events.length === 1);
    const plain = await send(server.url, bob, roomId, "hello there");
    const mentioning = await send(server.url, bob, roomId, `look @${alice.username} ${"x".repeat(200)}`);
    await inbox.until("two messages and a mention", (events) => events.length === 4);
    const read = await rest(server.url, "POST", `/rooms/${roomId}/read`, {
      token: alice.token,
      body: { seq: plain.seq },
    });
    expect(read.status).toBeLessThan(300);
    await inbox.until("unread.changed", (events) => events.length === 5);
    const kick = await rest(server.url, "DELETE", `/rooms/${roomId}/members/${alice.id}`, { token: bob.token });
    expect(kick.status).toBe(200);
    await inbox.until("room.removed", (events) => events.length === 6);
    const dm = await rest(server.url, "POST", "/dms", { token: bob.token, body: { userId: alice.id } });
    await inbox.until("dm.created", (events) => events.length === 7);

    expect(inbox.error).toBeUndefined();
    for (const event of inbox.events) inboxEventSchema.parse(event);
    expect(gapless(inbox.events)).toBe(true);
    expect(inbox.ids).toEqual(inbox.events.map((event) => String(event.seq)));
    expect(kindsOf(inbox.events)).toEqual([
      "room.added",
      "message.created",
      "message.created",
      "mention",
      "unread.changed",
      "room.removed",
      "dm.created",
    ]);
    const [added, first, second, mention, unread, removed, opened] = inbox.events as InboxEvent[];
    expect(added).toMatchObject({ roomId });
    expect(first).toMatchObject({
      roomId,
      messageId: plain.id,
      author: { userId: bob.id, username: bob.username },
      preview: "hello there",
      mentioned: false,
    });
    expect(second).toMatchObject({ messageId: mentioning.id, mentioned: true });
    expect(second?.type === "message.created" && second.preview).toHaveLength(140);
    expect(mention).toMatchObject({ type: "mention", messageId: mentioning.id, mentioned: true });
    expect(unread).toEqual(expect.objectContaining({ roomId, unread: 1, mentions: 1 }));
    expect(removed).toMatchObject({ roomId, reason: "kicked" });
    expect(opened).toMatchObject({ roomId: dm.body.room.id, userId: bob.id });
  });

  it("gives the new counts to each member who had a deleted message unread, and to nobody else", async () => {
    const [author, reader, behind] = await signUpMany(server.url, 3);
    const roomId = await newRoom(server.url, author, { members: [reader, behind] });
    await send(server.url, author, roomId, "first");
    const doomed = await send(server.url, author, roomId, `sorry @${behind.username}`);
    const read = await rest(server.url, "POST", `/rooms/${roomId}/read`, {
      token: reader.token,
      body: { seq: doomed.seq },
    });
    expect(read.status).toBeLessThan(300);
    const watchFromNow = async (user: TestUser) =>
      watch(user, String((await rest(server.url, "GET", "/me/unread", { token: user.token })).body.inboxSeq));
    const [authorInbox, readerInbox, behindInbox] = await Promise.all([
      watchFromNow(author),
      watchFromNow(reader),
      watchFromNow(behind),
    ]);
    const deleted = await rest(server.url, "DELETE", `/rooms/${roomId}/messages/${doomed.id}`, { token: author.token });
    expect(deleted.status).toBeLessThan(300);
    await behindInbox.until("unread.changed", (events) => events.length === 1);
    expect(behindInbox.events).toEqual([
      expect.objectContaining({ type: "unread.changed", roomId, unread: 1, mentions: 0 }),
    ]);
    // Whoever had read it, and its author, hear nothing: a message after the deletion comes next for all three.
    await send(server.url, author, roomId, "after");
    for (const inbox of [authorInbox, readerInbox, behindInbox])
      await inbox.until("the next message", (events) => events.some((event) => event.type === "message.created"));
    expect(kindsOf(authorInbox.events)).toEqual(["message.created"]);
    expect(kindsOf(readerInbox.events)).toEqual(["message.created"]);
    expect(kindsOf(behindInbox.events)).toEqual(["unread.changed", "message.created"]);
  });

  it("tells every member, and nobody else, a room's new name and settings (room.updated)", async () => {
    const [owner, member, outsider] = await signUpMany(server.url, 3);
    const roomId = await newRoom(server.url, owner, { members: [member] });
    const [ownerInbox, memberInbox, outsiderInbox] = [watch(owner), watch(member), watch(outsider)];
    const renamed = await rest(server.url, "PATCH", `/rooms/${roomId}`, {
      token: member.token,
      body: { name: "renamed by a member" },
    });
    expect(renamed.status).toBe(200);
    const slowed = await rest(server.url, "PATCH", `/rooms/${roomId}`, {
      token: owner.token,
      body: { open: false, slowModeSeconds: 30 },
    });
    expect(slowed.status).toBe(200);
    for (const inbox of [ownerInbox, memberInbox]) {
      const updates = (events: InboxEvent[]) => events.filter((event) => event.type === "room.updated");
      await inbox.until("both updates", (events) => updates(events).length === 2);
      for (const event of inbox.events) inboxEventSchema.parse(event);
      expect(kindsOf(inbox.events)).toEqual(["room.added", "room.updated", "room.updated"]);
      expect(updates(inbox.events)).toEqual([
        expect.objectContaining({
          type: "room.updated",
          roomId,
          name: "renamed by a member",
          open: true,
          slowModeSeconds: 0,
        }),
        expect.objectContaining({
          type: "room.updated",
          roomId,
          name: "renamed by a member",
          open: false,
          slowModeSeconds: 30,
        }),
      ]);
    }
    // The outsider's stream is live (its next entry arrives) and held nothing of the room before it.
    await newRoom(server.url, owner, { members: [outsider] });
    await outsiderInbox.until("room.added", (events) => events.length === 1);
    expect(kindsOf(outsiderInbox.events)).toEqual(["room.added"]);
  });

  it("tells the author's own devices too, and every member of a deleted room that they lost it", async () => {
    const [owner, member] = await signUpMany(server.url, 2);
    const roomId = await newRoom(server.url, owner, { members: [member] });
    const ownerInbox = watch(owner);
    const memberInbox = watch(member);
    await send(server.url, owner, roomId, "mine");
    await ownerInbox.until("own message", (events) => events.some((event) => event.type === "message.created"));
    expect(ownerInbox.events.find((event) => event.type === "message.created")).toMatchObject({
      author: { userId: owner.id },
      mentioned: false,
    });
    expect((await rest(server.url, "DELETE", `/rooms/${roomId}`, { token: owner.token })).status).toBe(200);
    for (const inbox of [ownerInbox, memberInbox]) {
      await inbox.until("room.removed", (events) => events.some((event) => event.type === "room.removed"));
      expect(inbox.events.at(-1)).toMatchObject({ type: "room.removed", roomId, reason: "deleted" });
    }
  });

  it("resumes after the last entry held, replaying what was missed exactly once", async () => {
    const [alice, bob] = await signUpMany(server.url, 2);
    const roomId = await newRoom(server.url, bob, { members: [alice] });
    const first = watch(alice);
    await send(server.url, bob, roomId, "one");
    await first.until("two entries", (events) => events.length === 2);
    first.stop();
    await send(server.url, bob, roomId, "two");
    await send(server.url, bob, roomId, "three");
    const resumed = watch(alice, first.ids.at(-1));
    await resumed.until("the two missed", (events) => events.length === 2);
    expect(resumed.events.map((event) => [event.seq, event.type === "message.created" && event.preview])).toEqual([
      [3, "two"],
      [4, "three"],
    ]);
    await send(server.url, bob, roomId, "four");
    await resumed.until("live again", (events) => events.length === 3);
    expect(gapless(resumed.events, 3)).toBe(true);
  });

  it("refuses a position past the newest entry, and a caller who is not signed in (authorization: users.events)", async () => {
    const [alice] = await signUpMany(server.url, 1);
    const tooFar = watch(alice, "99");
    await tooFar.until("a refusal", () => false);
    expect((tooFar.error as TRPCClientError<AppRouter>).data?.error).toMatchObject({
      code: "VALIDATION_FAILED",
      issues: [{ path: "lastEventId" }],
    });
    const anonymous = wsClient(server.url);
    clients.push(anonymous);
    const refused = watchInbox(anonymous.client, "0");
    await refused.until("a refusal", () => false);
    expect((refused.error as TRPCClientError<AppRouter>).data?.error).toMatchObject({ code: "UNAUTHENTICATED" });
    const sse = await rawEventStream(server.url, "/api/v1/me/events", { headers: { Accept: "text/event-stream" } });
    await sse.closed;
    expect(sse.status).toBe(401);
  });

  it("streams the same entries as Server-Sent Events, with Last-Event-ID and tickets", async () => {
    const [alice, bob] = await signUpMany(server.url, 2);
    const roomId = await newRoom(server.url, bob, { members: [alice] });
    await send(server.url, bob, roomId, "over sse");
    const stream = await rawEventStream(server.url, "/api/v1/me/events", {
      headers: { Accept: "text/event-stream", Authorization: `Bearer ${alice.token}`, "Last-Event-ID": "0" },
    });
    clients.push({ close: () => stream.close() });
    await waitFor("two entries", () => stream.events.length === 2);
    expect(stream.events.map((event) => [event.id, event.event])).toEqual([
      ["1", "room.added"],
      ["2", "message.created"],
    ]);
    const ticket = await rest(server.url, "POST", "/me/events/ticket", { token: alice.token });
    expect(ticket.status).toBe(201);
    const query = new URLSearchParams({ ticket: ticket.body.ticket.ticket, lastEventId: "1" });
    const byTicket = await rawEventStream(server.url, `/api/v1/me/events?${query}`, {
      headers: { Accept: "text/event-stream" },
    });
    clients.push({ close: () => byTicket.close() });
    await waitFor("the entry after 1", () => byTicket.events.length === 1);
    expect(JSON.parse(byTicket.events[0]?.data ?? "{}")).toMatchObject({ seq: 2, type: "message.created" });
    // A ticket opens one stream once.
    const again = await rawEventStream(server.url, `/api/v1/me/events?${query}`, {
      headers: { Accept: "text/event-stream" },
    });
    await again.closed;
    expect(again.status).toBe(401);
  });

  it("frames a live entry over Server-Sent Events as JSON.stringify writes it, the same entry as read back from the log", async () => {
    const [alice, bob] = await signUpMany(server.url, 2);
    const roomId = await newRoom(server.url, bob, { members: [alice] });
    const headers = { Accept: "text/event-stream", Authorization: `Bearer ${alice.token}` };
    const live = await rawEventStream(server.url, "/api/v1/me/events", { headers });
    clients.push({ close: () => live.close() });
    // Escapes and non-ASCII must come through the live frame (spliced from the log's encoding) unchanged.
    const body = 'a "quoted" \\ line\nwith a\ttab, é, 😀 and </script>';
    await send(server.url, bob, roomId, body);
    await waitFor("the live entry", () => live.events.length === 1);
    const replayed = await rawEventStream(server.url, "/api/v1/me/events", {
      headers: { ...headers, "Last-Event-ID": "1" },
    });
    clients.push({ close: () => replayed.close() });
    await waitFor("the entry read back", () => replayed.events.length === 1);
    const [liveEntry, replayedEntry] = [live.events[0], replayed.events[0]];
    expect([liveEntry?.id, liveEntry?.event]).toEqual([replayedEntry?.id, replayedEntry?.event]);
    const data = JSON.parse(liveEntry?.data ?? "{}");
    expect(data).toEqual(JSON.parse(replayedEntry?.data ?? "{}"));
    expect(data).toMatchObject({ seq: 2, type: "message.created", preview: body });
    // What `JSON.stringify` writes of the entry, byte for byte (a catch-up's keys come in the schema's order).
    expect(liveEntry?.data).toBe(JSON.stringify(data));
  });
});
