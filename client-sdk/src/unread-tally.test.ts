import { describe, expect, it } from "vitest";
import type { InboxEvent } from "./app-router.js";
import { UnreadTally } from "./unread-tally.js";

const at = "2026-12-06T00:00:00.000Z";
const message = (seq: number, roomId: string, authorId: string, mentioned = false): InboxEvent => ({
  type: "message.created",
  seq,
  at,
  roomId,
  messageId: `m${seq}`,
  author: { userId: authorId, username: authorId },
  preview: "hi",
  mentioned,
});

describe("the unread tally kept from the inbox", () => {
  it("counts others' messages and mentions after the counts' position, and takes the counts unread.changed gives", () => {
    const tally = new UnreadTally("me");
    tally.reset([{ roomId: "r", unreadCount: 2, mentions: 0 }], 10);
    expect(tally.apply(message(10, "r", "bob"))).toBe(false); // in the counts already
    expect(tally.apply(message(11, "r", "me"))).toBe(false); // mine
    expect(tally.apply(message(12, "r", "bob", true))).toBe(true);
    expect(tally.apply(message(13, "elsewhere", "bob"))).toBe(false); // a room not counted
    expect(tally.counts).toEqual({ r: { unread: 3, mentions: 1 } });
    tally.apply({ type: "unread.changed", seq: 14, at, roomId: "r", unread: 1, mentions: 0 });
    expect(tally.counts).toEqual({ r: { unread: 1, mentions: 0 } });
  });

  it("keeps the room being read at none", () => {
    const tally = new UnreadTally("me");
    tally.reset([{ roomId: "r", unreadCount: 0, mentions: 0 }], 0);
    const reading = (roomId: string) => roomId === "r";
    expect(tally.apply(message(1, "r", "bob", true), reading)).toBe(false);
    tally.apply({ type: "unread.changed", seq: 2, at, roomId: "r", unread: 1, mentions: 1 }, reading);
    expect(tally.counts).toEqual({ r: { unread: 0, mentions: 0 } });
  });

  it("starts a room gained at none, drops a room lost, and skips what the fetched counts include", () => {
    const tally = new UnreadTally("me");
    tally.reset([{ roomId: "r", unreadCount: 1, mentions: 1 }], 5);
    // Gained and lost again before the counts were read: in them already, not counted again.
    expect(tally.apply({ type: "room.added", seq: 4, at, roomId: "gone" })).toBe(false);
    expect(tally.apply({ type: "room.added", seq: 6, at, roomId: "new" })).toBe(true);
    expect(tally.apply(message(7, "new", "bob", true))).toBe(true);
    expect(tally.apply({ type: "dm.created", seq: 8, at, roomId: "dm", userId: "bob" })).toBe(true);
    expect(tally.apply(message(9, "dm", "bob"))).toBe(true);
    expect(tally.counts).toEqual({
      r: { unread: 1, mentions: 1 },
      new: { unread: 1, mentions: 1 },
      dm: { unread: 1, mentions: 0 },
    });
    expect(tally.apply({ type: "room.removed", seq: 10, at, roomId: "r", reason: "kicked" })).toBe(true);
    expect(tally.apply({ type: "unread.changed", seq: 11, at, roomId: "new", unread: 0, mentions: 0 })).toBe(true);
    // A room no longer counted stays so.
    expect(tally.apply(message(12, "r", "bob"))).toBe(false);
    expect(tally.counts).toEqual({ new: { unread: 0, mentions: 0 }, dm: { unread: 1, mentions: 0 } });
  });

  it("leaves the counts object alone when nothing changed", () => {
    const tally = new UnreadTally("me");
    tally.reset([{ roomId: "r", unreadCount: 0, mentions: 0 }], 0);
    const before = tally.counts;
    expect(tally.apply(message(1, "r", "me"))).toBe(false);
    expect(tally.clear("r")).toBe(false);
    expect(tally.add("r")).toBe(false);
    expect(tally.counts).toBe(before);
  });
});
