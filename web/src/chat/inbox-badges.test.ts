import type { InboxEvent } from "@natter/client";
import { describe, expect, it } from "vitest";
import { InboxBadges } from "./inbox-badges.js";

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

describe("the room badges kept from the inbox", () => {
  it("counts others' messages and mentions after the counts' position, and takes the counts unread.changed gives", () => {
    const badges = new InboxBadges("me");
    badges.reset([{ roomId: "r", unreadCount: 2, mentions: 0, readSeq: 0, lastSeq: 5, lastMessageAt: null }], 10);
    const nowhere = () => false;
    badges.apply(message(10, "r", "bob"), nowhere); // in the counts already
    badges.apply(message(11, "r", "me"), nowhere); // mine
    badges.apply(message(12, "r", "bob", true), nowhere);
    badges.apply(message(13, "elsewhere", "bob"), nowhere); // a room not counted
    expect(badges.counts.get()).toEqual({ r: { unread: 3, mentions: 1 } });
    badges.apply({ type: "unread.changed", seq: 14, at, roomId: "r", unread: 1, mentions: 0 }, nowhere);
    expect(badges.counts.get()).toEqual({ r: { unread: 1, mentions: 0 } });
  });

  it("keeps the room being read at none", () => {
    const badges = new InboxBadges("me");
    badges.reset([], 0);
    badges.add("r");
    const reading = (roomId: string) => roomId === "r";
    badges.apply(message(1, "r", "bob", true), reading);
    badges.apply({ type: "unread.changed", seq: 2, at, roomId: "r", unread: 1, mentions: 1 }, reading);
    expect(badges.counts.get()).toEqual({ r: { unread: 0, mentions: 0 } });
    badges.forget("r");
    expect(badges.counts.get()).toEqual({});
  });
});
