import { describe, expect, it } from "vitest";
import type { Message, RoomEvent } from "./app-router.js";
import { storedMessage } from "./message.fixture.js";
import { UnreadTally } from "./unread-tally.js";

const created = (seq: number, changes: Partial<Message> = {}): RoomEvent =>
  ({
    type: "message.created",
    roomId: "r1",
    seq,
    at: "2026-03-01T10:00:00.000Z",
    message: storedMessage(seq, { authorId: "other", body: "hi", ...changes }),
  }) as RoomEvent;
const deleted = (seq: number, messageSeq: number) =>
  ({
    type: "message.deleted",
    roomId: "r1",
    seq,
    at: "2026-03-01T10:00:00.000Z",
    messageId: `m${messageSeq}`,
  }) as RoomEvent;

describe("a room's unread tally", () => {
  it("counts others' room messages after the fetched count, and mentions of me, once each", () => {
    const tally = new UnreadTally({ unread: 2, mentions: 0 }, 10);
    expect(tally.apply(created(9), "me")).toBeUndefined();
    expect(tally.apply(created(11), "me")).toBe("changed");
    expect(tally.apply(created(11), "me")).toBeUndefined();
    expect(tally.apply(created(12, { authorId: "me" }), "me")).toBeUndefined();
    expect(tally.apply(created(13, { threadId: "m11" }), "me")).toBeUndefined();
    expect(tally.apply(created(14, { mentionsRoom: true }), "me")).toBe("changed");
    // A reply also sent to the room counts, as the server counts it.
    expect(tally.apply(created(15, { threadId: "m11", alsoInRoom: true }), "me")).toBe("changed");
    expect(tally.count).toEqual({ unread: 5, mentions: 1 });
  });

  it("takes a deleted message back, and keeps what came after the read cursor", () => {
    const tally = new UnreadTally({ unread: 0, mentions: 0 }, 0);
    tally.apply(created(1), "me");
    tally.apply(created(2), "me");
    expect(tally.apply(deleted(3, 1), "me")).toBe("changed");
    expect(tally.count.unread).toBe(1);
    tally.apply(created(4), "me");
    tally.markRead(2);
    expect(tally.count.unread).toBe(1);
  });

  it("takes a new fetch's count for what it covers, and says when the user is gone", () => {
    const tally = new UnreadTally({ unread: 0, mentions: 0 }, 0);
    tally.apply(created(1), "me");
    tally.apply(created(2), "me");
    tally.rebase({ unread: 1, mentions: 0 }, 1);
    expect(tally.count.unread).toBe(2);
    expect(tally.apply({ type: "member.kicked", roomId: "r1", seq: 3, userId: "me" } as RoomEvent, "me")).toBe("gone");
  });
});
