import type { Message, RoomEvent } from "@natter/shared";
import { describe, expect, it } from "vitest";
import { mostWithin, recordSignals } from "../conversations/receipt-watch.js";
import { redisUnavailable, rest, signUpMany, type TestUser } from "../harness/index.js";
import { newRoom, send, watchRoom } from "../messages/room-fixtures.js";
import { twoNodes } from "./two-nodes.js";

const redisMissing = await redisUnavailable();

/**
 * Reactions, threads, pins and receipts on two nodes sharing the suite's database and one
 * Redis: writes racing from both nodes count exactly, and each node's watchers see what
 * was done on the other.
 */
describe.skipIf(redisMissing !== undefined)("conversations across two nodes", () => {
  const nodes = twoNodes("conversations");
  const connect = nodes.connect;
  /** Node A for even indexes, B for odd ones: the racing calls land on both. */
  const nodeOf = (index: number) => (index % 2 === 0 ? nodes.a : nodes.b);
  const getMessage = async (url: string, roomId: string, messageId: string): Promise<Message> =>
    (await rest(url, "GET", `/rooms/${roomId}/messages/${messageId}`)).body.message;

  it("counts 50 concurrent reactions by 50 users on both nodes exactly, and as many concurrent take-backs", async () => {
    const users = await signUpMany(nodes.a.url, 50);
    const [owner] = users;
    const roomId = await newRoom(nodes.a.url, owner, { members: users.slice(1) });
    const message = await send(nodes.a.url, owner, roomId, "react to me");
    const onB = watchRoom(connect(nodes.b.url, owner.token), roomId, String(message.seq));
    const readBefore = await nodes.roomEventsReadFromLog();
    const path = `/rooms/${roomId}/messages/${message.id}/reactions/${encodeURIComponent("👍")}`;
    const added = await Promise.all(users.map((user, i) => rest(nodeOf(i).url, "PUT", path, { token: user.token })));
    expect(added.map((res) => res.status)).toEqual(users.map(() => 200));
    for (const node of [nodes.a, nodes.b]) {
      expect((await getMessage(node.url, roomId, message.id)).reactions).toEqual([
        { emoji: "👍", count: 50, me: false },
      ]);
    }
    await onB.until("50 reactions", (events) => events.length === 50);
    // Each count once, in the log's order: every reaction was counted on the one before it.
    expect(onB.events.map((event) => event.type === "reaction.added" && event.count)).toEqual(
      Array.from({ length: 50 }, (_, i) => i + 1),
    );
    const reactors = await rest(nodes.a.url, "GET", `${path}?limit=100`);
    expect(new Set(reactors.body.reactors.map((r: { userId: string }) => r.userId))).toEqual(
      new Set(users.map((user) => user.id)),
    );

    const removed = await Promise.all(
      users.map((user, i) => rest(nodeOf(i + 1).url, "DELETE", path, { token: user.token })),
    );
    expect(removed.map((res) => res.status)).toEqual(users.map(() => 200));
    for (const node of [nodes.a, nodes.b])
      expect((await getMessage(node.url, roomId, message.id)).reactions).toEqual([]);
    await onB.until("50 take-backs", (events) => events.length === 100);
    expect(onB.events.slice(50).map((event) => event.type === "reaction.removed" && event.count)).toEqual(
      Array.from({ length: 50 }, (_, i) => 49 - i),
    );
    // Every one of them came over Redis, none read back from the log.
    expect(await nodes.roomEventsReadFromLog()).toEqual(readBefore);
  }, 90_000);

  it("lets no reaction survive a deletion raced by toggles on both nodes; a closed room is 404 to outsiders on either", async () => {
    const users = await signUpMany(nodes.a.url, 6);
    const [owner, outsider, ...members] = users as [TestUser, TestUser, ...TestUser[]];
    const roomId = await newRoom(nodes.a.url, owner, { members, open: false });
    const message = await send(nodes.a.url, owner, roomId, "doomed");
    const path = `/rooms/${roomId}/messages/${message.id}/reactions/${encodeURIComponent("🔥")}`;
    const toggles = members.flatMap((user, u) =>
      Array.from({ length: 6 }, (_, i) =>
        rest(nodeOf(u + i).url, i % 2 === 0 ? "PUT" : "DELETE", path, { token: user.token }),
      ),
    );
    const deletion = rest(nodes.b.url, "DELETE", `/rooms/${roomId}/messages/${message.id}`, { token: owner.token });
    const [deleted, ...answers] = await Promise.all([deletion, ...toggles]);
    expect(deleted.status).toBe(200);
    for (const res of answers) expect([200, 409]).toContain(res.status);
    for (const node of [nodes.a, nodes.b]) {
      const read = await rest(node.url, "GET", `/rooms/${roomId}/messages/${message.id}`, { token: owner.token });
      expect(read.body.message).toMatchObject({ reactions: [], body: null });
      expect((await rest(node.url, "GET", path, { token: owner.token })).body.reactors).toEqual([]);
      const late = await rest(node.url, "PUT", path, { token: members[0]?.token });
      expect([late.status, late.body.error.code]).toEqual([409, "CONFLICT"]);
      // An outsider learns nothing of the closed room on either node.
      for (const [method, target] of [
        ["GET", `/rooms/${roomId}/messages/${message.id}`],
        ["GET", path],
        ["PUT", path],
        ["GET", `/rooms/${roomId}/pins`],
        ["GET", `/rooms/${roomId}/receipts`],
        ["GET", `/rooms/${roomId}/messages/${message.id}/thread`],
      ] as const) {
        const res = await rest(node.url, method, target, { token: outsider.token });
        expect([method, target, res.status, res.body.error.code]).toEqual([method, target, 404, "ROOM_NOT_FOUND"]);
      }
    }
  }, 90_000);

  it("keeps a thread's summary exact under 30 concurrent replies sent to both nodes", async () => {
    const users = await signUpMany(nodes.a.url, 6);
    const [owner] = users;
    const roomId = await newRoom(nodes.a.url, owner, { members: users.slice(1) });
    const root = await send(nodes.b.url, owner, roomId, "thread root");
    const onA = watchRoom(connect(nodes.a.url, owner.token), roomId, String(root.seq));
    const readBefore = await nodes.roomEventsReadFromLog();
    const answers = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        rest(nodeOf(i).url, "POST", `/rooms/${roomId}/messages`, {
          token: (users[i % users.length] as TestUser).token,
          body: { body: `reply ${i}`, threadId: root.id },
        }),
      ),
    );
    expect(answers.map((res) => res.status)).toEqual(answers.map(() => 201));
    const replies = answers.map((res) => res.body.message as Message).sort((x, y) => y.seq - x.seq);
    const expected = {
      replyCount: 30,
      lastReplyAt: replies[0]?.createdAt,
      participantIds: [...new Set(replies.map((reply) => reply.authorId))].slice(0, 5),
    };
    for (const node of [nodes.a, nodes.b])
      expect((await getMessage(node.url, roomId, root.id)).thread).toEqual(expected);
    await onA.until("30 replies and summaries", (events) => events.length === 60);
    const summaries = onA.events.flatMap((event: RoomEvent) => (event.type === "thread.updated" ? [event] : []));
    expect(summaries.map((event) => event.thread.replyCount)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    expect(summaries.at(-1)?.thread).toEqual(expected);
    expect(await nodes.roomEventsReadFromLog()).toEqual(readBefore);
    const thread = await rest(nodes.b.url, "GET", `/rooms/${roomId}/messages/${root.id}/thread?after=0&limit=100`);
    expect(thread.body.messages.map((m: Message) => m.id)).toEqual(replies.map((m) => m.id).reverse());
  }, 60_000);

  it("carries pins and unpins to the other node's watchers, and holds the 50-pin limit under racing pins", async () => {
    const [owner, member] = (await signUpMany(nodes.a.url, 2)) as [TestUser, TestUser];
    const roomId = await newRoom(nodes.a.url, owner, { members: [member] });
    const messages: Message[] = [];
    for (let i = 0; i < 55; i += 1) messages.push(await send(nodeOf(i).url, owner, roomId, `m${i}`));
    const [first] = messages as [Message];
    const last = messages.at(-1)?.seq ?? 0;
    const onA = watchRoom(connect(nodes.a.url, member.token), roomId, String(last));
    const onB = watchRoom(connect(nodes.b.url, member.token), roomId, String(last));
    const readBefore = await nodes.roomEventsReadFromLog();

    const pinned = await rest(nodes.a.url, "PUT", `/rooms/${roomId}/pins/${first.id}`, { token: owner.token });
    expect(pinned.status).toBe(200);
    await onB.until("the pin", (events) => events.some((event) => event.type === "message.pinned"));
    expect(onB.events[0]).toMatchObject({ type: "message.pinned", messageId: first.id, pinnedBy: owner.id });
    expect((await rest(nodes.b.url, "GET", `/rooms/${roomId}/pins`)).body.messages.map((m: Message) => m.id)).toEqual([
      first.id,
    ]);
    const unpinned = await rest(nodes.b.url, "DELETE", `/rooms/${roomId}/pins/${first.id}`, { token: owner.token });
    expect(unpinned.status).toBe(200);
    await onA.until("the unpin", (events) => events.some((event) => event.type === "message.unpinned"));
    expect(onA.events.map((event) => event.type)).toEqual(["message.pinned", "message.unpinned"]);
    expect((await rest(nodes.a.url, "GET", `/rooms/${roomId}/pins`)).body.messages).toEqual([]);

    // 55 pins at once, half on each node: exactly 50 are taken, the rest refused.
    const racing = await Promise.all(
      messages.map((message, i) =>
        rest(nodeOf(i).url, "PUT", `/rooms/${roomId}/pins/${message.id}`, { token: owner.token }),
      ),
    );
    const statuses = racing.map((res) => res.status);
    expect(statuses.filter((status) => status === 200)).toHaveLength(50);
    expect(racing.filter((res) => res.status === 409).map((res) => res.body.error.code)).toEqual(
      Array.from({ length: 5 }, () => "TOO_MANY_PINS"),
    );
    for (const node of [nodes.a, nodes.b]) {
      expect((await rest(node.url, "GET", `/rooms/${roomId}/pins`)).body.messages).toHaveLength(50);
    }
    await onB.until("50 more pins", (events) => events.length === 52);
    expect(await nodes.roomEventsReadFromLog()).toEqual(readBefore);
  }, 90_000);

  it("coalesces a burst of 100 read marks sent to both nodes to at most 2 receipts a second, ending at the last", async () => {
    const [alice, bob] = (await signUpMany(nodes.a.url, 2)) as [TestUser, TestUser];
    const roomId = await newRoom(nodes.a.url, alice, { members: [bob] });
    const sent: Message[] = [];
    for (let i = 0; i < 100; i += 1) sent.push(await send(nodeOf(i).url, alice, roomId, `m${i}`));
    const onA = await recordSignals(connect(nodes.a.url, alice.token), roomId);
    const onB = await recordSignals(connect(nodes.b.url, alice.token), roomId);
    for (const [i, message] of sent.entries()) {
      const res = await rest(nodeOf(i).url, "POST", `/rooms/${roomId}/read`, {
        token: bob.token,
        body: { seq: message.seq },
      });
      expect(res.status).toBe(200);
    }
    const lastSeq = sent.at(-1)?.seq ?? 0;
    for (const watcher of [onA, onB]) {
      await watcher.until("the last position", (s) => s.type === "receipt.updated" && s.lastReadSeq === lastSeq);
      expect(mostWithin(watcher.receiptTimes, 1000)).toBeLessThanOrEqual(2);
      const positions = watcher.receipts().map((receipt) => receipt.lastReadSeq);
      expect(positions).toEqual([...positions].sort((x, y) => x - y));
      expect(positions.length).toBeLessThan(20);
    }
    expect((await rest(nodes.b.url, "GET", `/rooms/${roomId}/receipts`, { token: alice.token })).body.receipts).toEqual(
      expect.arrayContaining([expect.objectContaining({ userId: bob.id, lastReadSeq: lastSeq })]),
    );
  }, 120_000);
});
