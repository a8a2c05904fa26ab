import { messageResultSchema } from "@natter/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { httpClient, joinRoom, rest, signUp, signUpMany, startTestServer, type TestServer } from "../harness/index.js";
import { png } from "../uploads/images.js";
import { uploaded } from "../uploads/upload-client.js";
import { newRoom, send } from "./room-fixtures.js";

describe("messages", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.stop());

  describe("send", () => {
    it("posts a member's message (201) with the seq of its creation in the room's log", async () => {
      const alice = await signUp(server.url);
      const roomId = await newRoom(server.url, alice);
      const res = await rest(server.url, "POST", `/rooms/${roomId}/messages`, {
        token: alice.token,
        body: { body: "hello" },
      });
      expect(res.status).toBe(201);
      expect(res.body.message).toMatchObject({
        roomId,
        authorId: alice.id,
        body: "hello",
        replyToId: null,
        editedAt: null,
        deletedAt: null,
      });
      const second = await send(server.url, alice, roomId, "again");
      expect(second.seq).toBe(res.body.message.seq + 1);
    });

    // A send is answered without zod's output check (`builtOutput`): what `sendMessage` builds
    // (and, for a retry, `toMessage`) must be exactly what that check would have answered: no
    // field more, none less (a default the check would have filled in), every value of its type.
    it("answers exactly what the Message schema answers, whatever the message carries", async () => {
      const [alice, bob] = await signUpMany(server.url, 2);
      const roomId = await newRoom(server.url, alice, { members: [bob] });
      const root = await send(server.url, alice, roomId, "root");
      const file = await uploaded(server.url, alice.token, png(4, 3, undefined, 7));
      const clientMessageId = crypto.randomUUID();
      const inputs = [
        { body: "plain" },
        { body: "a reply", replyToId: root.id },
        { body: "in the thread", threadId: root.id, alsoInRoom: true },
        { body: `@${bob.username} and @room, look` },
        { body: "with a file", attachmentIds: [file.id] },
        { body: "once", clientMessageId },
        { body: "once", clientMessageId },
      ];
      for (const input of inputs) {
        const res = await rest(server.url, "POST", `/rooms/${roomId}/messages`, { token: alice.token, body: input });
        expect(res.status, JSON.stringify(res.body)).toBeLessThan(300);
        expect(messageResultSchema.parse(structuredClone(res.body))).toStrictEqual(res.body);
      }
    });

    it("accepts 4000 characters and rejects blank, empty, 4001 characters and a missing body", async () => {
      const alice = await signUp(server.url);
      const roomId = await newRoom(server.url, alice);
      const ok = await rest(server.url, "POST", `/rooms/${roomId}/messages`, {
        token: alice.token,
        body: { body: "x".repeat(4000) },
      });
      expect(ok.status).toBe(201);
      for (const body of ["", "   \n\t ", "x".repeat(4001), 42, undefined]) {
        const bad = await rest(server.url, "POST", `/rooms/${roomId}/messages`, { token: alice.token, body: { body } });
        expect(bad.status).toBe(400);
        expect(bad.body.error.code).toBe("VALIDATION_FAILED");
        expect(bad.body.error.issues[0].path).toBe("body");
      }
    });

    it("answers a reply to a message of the same room, and rejects one of another room or none", async () => {
      const alice = await signUp(server.url);
      const [roomId, otherRoomId] = await Promise.all([newRoom(server.url, alice), newRoom(server.url, alice)]);
      const original = await send(server.url, alice, roomId, "question");
      const elsewhere = await send(server.url, alice, otherRoomId, "elsewhere");
      const reply = await rest(server.url, "POST", `/rooms/${roomId}/messages`, {
        token: alice.token,
        body: { body: "answer", replyToId: original.id },
      });
      expect(reply.status).toBe(201);
      expect(reply.body.message.replyToId).toBe(original.id);
      for (const replyToId of [elsewhere.id, "no-such-message"]) {
        const bad = await rest(server.url, "POST", `/rooms/${roomId}/messages`, {
          token: alice.token,
          body: { body: "answer", replyToId },
        });
        expect(bad.status).toBe(400);
        expect(bad.body.error).toMatchObject({
          code: "VALIDATION_FAILED",
          issues: [{ path: "replyToId", message: "must be a message of this room" }],
        });
      }
    });

    it("is for members only: anonymous 401, non-member of an open room 403, of a closed room 404", async () => {
      const [alice, bob] = await signUpMany(server.url, 2);
      const [open, closed] = await Promise.all([
        newRoom(server.url, alice),
        newRoom(server.url, alice, { open: false }),
      ]);
      const anonymous = await rest(server.url, "POST", `/rooms/${open}/messages`, { body: { body: "hi" } });
      expect(anonymous.status).toBe(401);
      expect(anonymous.body.error.code).toBe("UNAUTHENTICATED");
      const outsider = await rest(server.url, "POST", `/rooms/${open}/messages`, {
        token: bob.token,
        body: { body: "hi" },
      });
      expect(outsider.status).toBe(403);
      expect(outsider.body.error).toMatchObject({ code: "FORBIDDEN", requiredRole: "member" });
      const hidden = await rest(server.url, "POST", `/rooms/${closed}/messages`, {
        token: bob.token,
        body: { body: "hi" },
      });
      expect(hidden.status).toBe(404);
      expect(hidden.body.error.code).toBe("ROOM_NOT_FOUND");
      const missing = await rest(server.url, "POST", "/rooms/no-such-room/messages", {
        token: bob.token,
        body: { body: "hi" },
      });
      expect(missing.body).toEqual(hidden.body);
    });

    it("creates one message for 20 concurrent retries with one clientMessageId", async () => {
      const alice = await signUp(server.url);
      const roomId = await newRoom(server.url, alice);
      const answers = await Promise.all(
        Array.from({ length: 20 }, () =>
          rest(server.url, "POST", `/rooms/${roomId}/messages`, {
            token: alice.token,
            body: { body: "once", clientMessageId: "c-1" },
          }),
        ),
      );
      expect(answers.map((a) => a.status)).toEqual(Array(20).fill(201));
      expect(new Set(answers.map((a) => a.body.message.id)).size).toBe(1);
      const history = await rest(server.url, "GET", `/rooms/${roomId}/messages`, { token: alice.token });
      expect(history.body.messages.map((m: any) => m.body)).toEqual(["once"]);
    });

    it("answers a retry with the original even over tRPC batching, and scopes ids to author and room", async () => {
      const [alice, bob] = await signUpMany(server.url, 2);
      const roomId = await newRoom(server.url, alice, { members: [bob] });
      const otherRoomId = await newRoom(server.url, alice);
      const client = httpClient(server.url, alice.token);
      const batch = await Promise.all(
        Array.from({ length: 5 }, () =>
          client.messages.send.mutate({ roomId, body: "first", clientMessageId: "same" }),
        ),
      );
      expect(new Set(batch.map((r) => r.message.id)).size).toBe(1);
      const retry = await client.messages.send.mutate({ roomId, body: "changed on retry", clientMessageId: "same" });
      expect(retry.message).toEqual(batch[0]?.message);
      const byBob = await httpClient(server.url, bob.token).messages.send.mutate({
        roomId,
        body: "bob's",
        clientMessageId: "same",
      });
      const elsewhere = await client.messages.send.mutate({ roomId: otherRoomId, body: "x", clientMessageId: "same" });
      const ids = new Set([batch[0]?.message.id, byBob.message.id, elsewhere.message.id]);
      expect(ids.size).toBe(3);
    });
  });

  describe("edit and delete", () => {
    it("lets the author edit, and nobody else", async () => {
      const [alice, bob] = await signUpMany(server.url, 2);
      const roomId = await newRoom(server.url, alice, { members: [bob] });
      const message = await send(server.url, alice, roomId, "typo");
      const path = `/rooms/${roomId}/messages/${message.id}`;
      const edited = await rest(server.url, "PATCH", path, { token: alice.token, body: { body: "fixed" } });
      expect(edited.status).toBe(200);
      expect(edited.body.message).toMatchObject({ id: message.id, seq: message.seq, body: "fixed" });
      expect(edited.body.message.editedAt).not.toBeNull();
      const byOwnerOfRoomButNotAuthor = await rest(server.url, "PATCH", `/rooms/${roomId}/messages/${message.id}`, {
        token: bob.token,
        body: { body: "hijack" },
      });
      expect(byOwnerOfRoomButNotAuthor.status).toBe(403);
      const blank = await rest(server.url, "PATCH", path, { token: alice.token, body: { body: " " } });
      expect(blank.status).toBe(400);
      const unknown = await rest(server.url, "PATCH", `/rooms/${roomId}/messages/nope`, {
        token: alice.token,
        body: { body: "x" },
      });
      expect(unknown.status).toBe(404);
      expect(unknown.body.error.code).toBe("MESSAGE_NOT_FOUND");
    });

    it("lets the author or an admin delete, leaving a tombstone in place; not another member", async () => {
      const [alice, bob, carol] = await signUpMany(server.url, 3);
      const roomId = await newRoom(server.url, alice, { members: [bob, carol] });
      const byBob = await send(server.url, bob, roomId, "bob's secret");
      const byCarol = await send(server.url, carol, roomId, "carol's");
      const denied = await rest(server.url, "DELETE", `/rooms/${roomId}/messages/${byBob.id}`, { token: carol.token });
      expect(denied.status).toBe(403);
      expect(denied.body.error).toMatchObject({ code: "FORBIDDEN", requiredRole: "admin" });

      const own = await rest(server.url, "DELETE", `/rooms/${roomId}/messages/${byBob.id}`, { token: bob.token });
      expect(own.status).toBe(200);
      expect(own.body.message).toMatchObject({ id: byBob.id, seq: byBob.seq, body: null });
      expect(own.body.message.deletedAt).not.toBeNull();
      const again = await rest(server.url, "DELETE", `/rooms/${roomId}/messages/${byBob.id}`, { token: bob.token });
      expect(again.body.message).toEqual(own.body.message);

      const byOwner = await rest(server.url, "DELETE", `/rooms/${roomId}/messages/${byCarol.id}`, {
        token: alice.token,
      });
      expect(byOwner.status).toBe(200);

      const editDeleted = await rest(server.url, "PATCH", `/rooms/${roomId}/messages/${byBob.id}`, {
        token: bob.token,
        body: { body: "back" },
      });
      expect(editDeleted.status).toBe(409);
      expect(editDeleted.body.error.code).toBe("CONFLICT");

      const history = await rest(server.url, "GET", `/rooms/${roomId}/messages`, { token: bob.token });
      expect(history.body.messages.map((m: any) => [m.id, m.body])).toEqual([
        [byCarol.id, null],
        [byBob.id, null],
      ]);
    });
  });

  describe("history", () => {
    let alice: Awaited<ReturnType<typeof signUp>>;
    let roomId: string;
    let seqs: number[];
    beforeAll(async () => {
      alice = await signUp(server.url);
      roomId = await newRoom(server.url, alice);
      seqs = [];
      for (let i = 0; i < 25; i++) seqs.push((await send(server.url, alice, roomId, `m${i}`)).seq);
    });

    const page = (query: string, token?: string) =>
      rest(server.url, "GET", `/rooms/${roomId}/messages${query}`, { token });

    it("answers the newest page by default, newest first, and pages back with before", async () => {
      const first = await page("?limit=10");
      expect(first.status).toBe(200);
      expect(first.body.messages.map((m: any) => m.seq)).toEqual(seqs.slice(15).reverse());
      expect(first.body.hasMore).toBe(true);
      const collected = [...first.body.messages];
      let cursor = first.body.messages.at(-1).seq;
      for (;;) {
        const next = await page(`?before=${cursor}&limit=10`);
        collected.push(...next.body.messages);
        if (!next.body.hasMore) break;
        cursor = next.body.messages.at(-1).seq;
      }
      expect(collected.map((m: any) => m.body)).toEqual(seqs.map((_, i) => `m${i}`).reverse());
    });

    it("pages forward with after, oldest first", async () => {
      const collected: any[] = [];
      let cursor = 0;
      for (;;) {
        const next = await page(`?after=${cursor}&limit=7`);
        collected.push(...next.body.messages);
        if (!next.body.hasMore) break;
        cursor = next.body.messages.at(-1).seq;
      }
      expect(collected.map((m) => m.seq)).toEqual(seqs);
    });

    it("answers empty pages at both ends, and a full last page without more", async () => {
      const lowest = seqs[0] ?? 0;
      const highest = seqs.at(-1) ?? 0;
      expect((await page(`?before=${lowest}`)).body).toEqual({ messages: [], hasMore: false });
      expect((await page(`?after=${highest}`)).body).toEqual({ messages: [], hasMore: false });
      const exact = await page(`?after=${seqs[14]}&limit=10`);
      expect(exact.body.messages).toHaveLength(10);
      expect(exact.body.hasMore).toBe(false);
      const all = await page("?limit=200");
      expect(all.body.messages).toHaveLength(25);
      expect(all.body.hasMore).toBe(false);
    });

    it("rejects bad limits and cursors with a 400 naming the field", async () => {
      for (const [query, field] of [
        ["?limit=0", "limit"],
        ["?limit=201", "limit"],
        ["?limit=abc", "limit"],
        ["?limit=1.5", "limit"],
        ["?before=-1", "before"],
        ["?after=x", "after"],
        ["?before=5&after=1", "after"],
      ] as const) {
        const res = await page(query);
        expect(res.status, query).toBe(400);
        expect(res.body.error.code).toBe("VALIDATION_FAILED");
        expect(res.body.error.issues[0].path).toBe(field);
      }
    });

    it("is readable by anyone in an open room, by members only in a closed one", async () => {
      expect((await page("?limit=1")).status).toBe(200);
      const bob = await signUp(server.url);
      const closed = await newRoom(server.url, alice, { open: false });
      await send(server.url, alice, closed, "members only");
      for (const token of [undefined, bob.token]) {
        const res = await rest(server.url, "GET", `/rooms/${closed}/messages`, { token });
        expect(res.status).toBe(404);
        expect(res.body.error.code).toBe("ROOM_NOT_FOUND");
      }
      const member = await rest(server.url, "GET", `/rooms/${closed}/messages`, { token: alice.token });
      expect(member.body.messages.map((m: any) => m.body)).toEqual(["members only"]);
    });
  });

  describe("read cursors and unread counts", () => {
    const unreadIn = async (token: string, roomId: string) => {
      const res = await rest(server.url, "GET", "/me/unread", { token });
      expect(res.status).toBe(200);
      return res.body.rooms.find((r: any) => r.roomId === roomId);
    };

    it("counts others' messages after the cursor, not deleted ones, and forgets a room left", async () => {
      const [alice, bob] = await signUpMany(server.url, 2);
      const roomId = await newRoom(server.url, alice, { members: [bob] });
      const start = await unreadIn(bob.token, roomId);
      expect(start).toMatchObject({ unreadCount: 0, lastMessageAt: null });

      const sent = [];
      for (const body of ["one", "two", "three"]) sent.push(await send(server.url, alice, roomId, body));
      const last = sent[2]?.seq ?? 0;
      expect(await unreadIn(bob.token, roomId)).toEqual({
        roomId,
        unreadCount: 3,
        readSeq: start.readSeq,
        lastSeq: last,
        mentions: 0,
        lastMessageAt: sent[2]?.createdAt,
      });
      expect((await unreadIn(alice.token, roomId)).unreadCount).toBe(0);

      await rest(server.url, "DELETE", `/rooms/${roomId}/messages/${sent[1]?.id}`, { token: alice.token });
      expect((await unreadIn(bob.token, roomId)).unreadCount).toBe(2);
      await send(server.url, bob, roomId, "bob's own");
      expect((await unreadIn(bob.token, roomId)).unreadCount).toBe(2);

      const read = await rest(server.url, "POST", `/rooms/${roomId}/read`, {
        token: bob.token,
        body: { seq: sent[0]?.seq },
      });
      expect(read.status).toBe(200);
      expect(read.body).toEqual({ readSeq: sent[0]?.seq });
      expect((await unreadIn(bob.token, roomId)).unreadCount).toBe(1);

      const back = await rest(server.url, "POST", `/rooms/${roomId}/read`, { token: bob.token, body: { seq: 1 } });
      expect(back.body).toEqual({ readSeq: sent[0]?.seq });

      const beyond = await rest(server.url, "POST", `/rooms/${roomId}/read`, {
        token: bob.token,
        body: { seq: 1_000_000 },
      });
      const { lastSeq } = await unreadIn(bob.token, roomId);
      expect(beyond.body).toEqual({ readSeq: lastSeq });
      expect(await unreadIn(bob.token, roomId)).toMatchObject({ unreadCount: 0, readSeq: lastSeq });

      await send(server.url, alice, roomId, "after reading");
      expect((await unreadIn(bob.token, roomId)).unreadCount).toBe(1);
      await rest(server.url, "POST", `/rooms/${roomId}/leave`, { token: bob.token });
      expect(await unreadIn(bob.token, roomId)).toBeUndefined();
    });

    it("starts a member who joins later with nothing unread", async () => {
      const [alice, bob] = await signUpMany(server.url, 2);
      const roomId = await newRoom(server.url, alice);
      for (const body of ["before bob", "still before"]) await send(server.url, alice, roomId, body);
      await joinRoom(server.url, bob.token, roomId);
      expect(await unreadIn(bob.token, roomId)).toMatchObject({ unreadCount: 0 });
      await send(server.url, alice, roomId, "welcome bob");
      expect(await unreadIn(bob.token, roomId)).toMatchObject({ unreadCount: 1 });
    });

    it("pages through the caller's rooms with a cursor", async () => {
      const [alice] = await signUpMany(server.url, 1);
      const rooms = [];
      for (let i = 0; i < 5; i += 1) rooms.push(await newRoom(server.url, alice));
      const seen: string[] = [];
      let cursor: string | undefined;
      for (let page = 0; page < 3; page += 1) {
        const query = cursor ? `?limit=2&cursor=${cursor}` : "?limit=2";
        const res = await rest(server.url, "GET", `/me/unread${query}`, { token: alice.token });
        expect(res.status).toBe(200);
        seen.push(...res.body.rooms.map((r: any) => r.roomId));
        cursor = res.body.nextCursor ?? undefined;
        if (page < 2) expect(res.body.rooms).toHaveLength(2);
      }
      expect(cursor).toBeUndefined();
      expect(seen).toEqual([...rooms].sort());

      const roomsCursor = (await rest(server.url, "GET", "/rooms?scope=joined&limit=1", { token: alice.token })).body
        .nextCursor;
      const foreign = await rest(server.url, "GET", `/me/unread?cursor=${roomsCursor}`, { token: alice.token });
      expect(foreign.status).toBe(400);
      expect(foreign.body.error.issues[0].path).toBe("cursor");
      const tooMany = await rest(server.url, "GET", "/me/unread?limit=201", { token: alice.token });
      expect(tooMany.status).toBe(400);
    });

    it("lists only the caller's rooms", async () => {
      const [alice, bob] = await signUpMany(server.url, 2);
      const mine = await newRoom(server.url, bob);
      await newRoom(server.url, alice);
      const res = await rest(server.url, "GET", "/me/unread", { token: bob.token });
      expect(res.body.rooms.map((r: any) => r.roomId)).toEqual([mine]);
      expect((await rest(server.url, "GET", "/me/unread")).status).toBe(401);
    });

    it("keeps the cursor for members only and rejects a negative seq", async () => {
      const [alice, bob] = await signUpMany(server.url, 2);
      const roomId = await newRoom(server.url, alice);
      const outsider = await rest(server.url, "POST", `/rooms/${roomId}/read`, { token: bob.token, body: { seq: 1 } });
      expect(outsider.status).toBe(403);
      expect(outsider.body.error.requiredRole).toBe("member");
      const negative = await rest(server.url, "POST", `/rooms/${roomId}/read`, {
        token: alice.token,
        body: { seq: -1 },
      });
      expect(negative.status).toBe(400);
      expect(negative.body.error.issues[0].path).toBe("seq");
    });
  });
});
