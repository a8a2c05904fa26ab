import { describe, expect, it } from "vitest";
import { httpClient, rest, signUpMany, type TestUser } from "../harness/index.js";
import { newRoom, send } from "../messages/room-fixtures.js";
import { conversationServer } from "./conversation-server.js";
import { mostWithin, recordSignals } from "./receipt-watch.js";

describe("read receipts", () => {
  const server = conversationServer();
  const { connect } = server;

  const markRead = (user: TestUser, roomId: string, seq: number) =>
    rest(server.url, "POST", `/rooms/${roomId}/read`, { token: user.token, body: { seq } });
  const receipts = (user: TestUser | undefined, roomId: string, query = "") =>
    rest(server.url, "GET", `/rooms/${roomId}/receipts${query}`, { token: user?.token });

  it("shows members how far each member has read, leaving out those who turned sharing off", async () => {
    const [alice, bob, carol, stranger] = await signUpMany(server.url, 4);
    const roomId = await newRoom(server.url, alice, { members: [bob, carol] });
    const closed = await newRoom(server.url, alice, { open: false });
    const first = await send(server.url, alice, roomId, "one");
    const second = await send(server.url, alice, roomId, "two");
    await markRead(bob, roomId, first.seq);
    await markRead(carol, roomId, second.seq);
    const seen = await receipts(alice, roomId);
    expect(seen.status).toBe(200);
    const byUser = Object.fromEntries(
      seen.body.receipts.map((r: { userId: string; lastReadSeq: number }) => [r.userId, r.lastReadSeq]),
    );
    expect(byUser).toEqual({ [bob.id]: first.seq, [carol.id]: second.seq });
    for (const receipt of seen.body.receipts) expect(receipt.at).toEqual(expect.any(String));
    // Paged by user id.
    const page = await receipts(alice, roomId, "?limit=1");
    const rest2 = await receipts(alice, roomId, `?limit=1&cursor=${page.body.nextCursor}`);
    expect([...page.body.receipts, ...rest2.body.receipts]).toEqual(seen.body.receipts);
    expect(rest2.body.nextCursor).toBeNull();
    // Carol stops sharing: she is gone for others, yet her own unread counts still move.
    const off = await rest(server.url, "PATCH", "/me", { token: carol.token, body: { shareReadReceipts: false } });
    expect(off.body.user.shareReadReceipts).toBe(false);
    const third = await send(server.url, alice, roomId, "three");
    expect((await markRead(carol, roomId, third.seq)).body.readSeq).toBe(third.seq);
    const unread = await rest(server.url, "GET", "/me/unread", { token: carol.token });
    expect(unread.body.rooms).toEqual([expect.objectContaining({ roomId, readSeq: third.seq, unreadCount: 0 })]);
    const without = await receipts(bob, roomId);
    expect(without.body.receipts.map((r: { userId: string }) => r.userId)).toEqual([bob.id]);
    // Members only; a closed room does not exist for outsiders.
    expect((await receipts(undefined, roomId)).status).toBe(401);
    const outsider = await receipts(stranger, roomId);
    expect([outsider.status, outsider.body.error.code]).toEqual([403, "FORBIDDEN"]);
    const hidden = await receipts(stranger, closed);
    expect([hidden.status, hidden.body.error.code]).toEqual([404, "ROOM_NOT_FOUND"]);
    // Over tRPC alike.
    const trpc = httpClient(server.url, alice.token);
    expect((await trpc.rooms.receipts.query({ roomId })).receipts).toEqual(without.body.receipts);
  });

  it("sends receipt.updated live to members only, never to anonymous watchers, nor for a member who stopped sharing", async () => {
    const [alice, bob, carol] = await signUpMany(server.url, 3);
    const roomId = await newRoom(server.url, alice, { members: [bob, carol] });
    const message = await send(server.url, alice, roomId, "read me");
    const member = await recordSignals(connect(alice.token), roomId);
    const anonymous = await recordSignals(connect(), roomId);
    await rest(server.url, "PATCH", "/me", { token: carol.token, body: { shareReadReceipts: false } });
    await markRead(carol, roomId, message.seq);
    await markRead(bob, roomId, message.seq);
    await member.until("bob's receipt", (signal) => signal.type === "receipt.updated");
    expect(member.receipts()).toEqual([
      { type: "receipt.updated", roomId, userId: bob.id, lastReadSeq: message.seq, at: expect.any(String) },
    ]);
    // Signals of one room arrive in order: once the anonymous watcher sees bob typing, a receipt sent to it would be there.
    await rest(server.url, "POST", `/rooms/${roomId}/typing`, { token: bob.token });
    await anonymous.until("bob typing", (signal) => signal.type === "typing");
    await member.until("bob typing", (signal) => signal.type === "typing");
    expect(anonymous.receipts()).toEqual([]);
    expect(member.receipts().map((receipt) => receipt.userId)).toEqual([bob.id]);
  });

  it("coalesces a burst of 100 read marks to at most one receipt per second, ending at the last position", async () => {
    const [alice, bob] = await signUpMany(server.url, 2);
    const roomId = await newRoom(server.url, alice, { members: [bob] });
    const messages = [];
    for (let i = 0; i < 100; i += 10) {
      messages.push(
        ...(await Promise.all(Array.from({ length: 10 }, (_, j) => send(server.url, alice, roomId, `m${i + j}`)))),
      );
    }
    const watcher = await recordSignals(connect(alice.token), roomId);
    const last = Math.max(...messages.map((message) => message.seq));
    const started = Date.now();
    for (const message of messages) await markRead(bob, roomId, message.seq);
    const seconds = Math.ceil((Date.now() - started) / 1000);
    await watcher.until("the last position", (s) => s.type === "receipt.updated" && s.lastReadSeq === last);
    expect(mostWithin(watcher.receiptTimes, 1000)).toBeLessThanOrEqual(2);
    // One per second of the burst at most (plus the trailing one): a loaded machine stretches the
    // burst, so a fixed count (it was < 10) failed at load 16 without any coalescing gone wrong.
    expect(watcher.receipts().length).toBeLessThanOrEqual(Math.min(seconds + 1, 99));
    const positions = watcher.receipts().map((receipt) => receipt.lastReadSeq);
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
  }, 90_000);
});
