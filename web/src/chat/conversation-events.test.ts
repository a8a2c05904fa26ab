import type { Message } from "@natter/client";
import { describe, expect, it } from "vitest";
import { messagesAfter, reactionsAfter } from "./conversation-events.js";
import { seenByMessage } from "./seen-by.js";

const message = (id: string, seq: number, extra: Partial<Message> = {}): Message => ({
  id,
  roomId: "r",
  seq,
  authorId: "author",
  body: id,
  replyToId: null,
  createdAt: "2026-12-05T10:00:00.000Z",
  editedAt: null,
  deletedAt: null,
  attachments: [],
  reactions: [],
  threadId: null,
  alsoInRoom: false,
  thread: null,
  pinnedAt: null,
  pinnedBy: null,
  mentions: [],
  mentionsRoom: false,
  ...extra,
});
const entry = { roomId: "r", seq: 9, at: "2026-12-05T10:00:00.000Z", actorId: "x" };

describe("conversation events in the web app", () => {
  it("adds a new emoji last, sets a count, keeps others' me, drops an emoji at zero", () => {
    const reactions = [{ emoji: "👍", count: 1, me: true }];
    const added = { ...entry, type: "reaction.added", messageId: "m", userId: "bob" } as const;
    expect(reactionsAfter(reactions, { ...added, emoji: "🎉", count: 1 }, "me")).toEqual([
      { emoji: "👍", count: 1, me: true },
      { emoji: "🎉", count: 1, me: false },
    ]);
    expect(reactionsAfter(reactions, { ...added, emoji: "👍", count: 2 }, "me")).toEqual([
      { emoji: "👍", count: 2, me: true },
    ]);
    const removed = { ...added, type: "reaction.removed", userId: "me", emoji: "👍" } as const;
    expect(reactionsAfter(reactions, { ...removed, count: 0 }, "me")).toEqual([]);
    expect(reactionsAfter([{ emoji: "👍", count: 2, me: true }], { ...removed, count: 1 }, "me")).toEqual([
      { emoji: "👍", count: 1, me: false },
    ]);
  });

  it("shows a thread left with no reply as none, keeps a deleted root's thread, pins and unpins", () => {
    const root = message("root", 1);
    const summary = { replyCount: 2, lastReplyAt: entry.at, participantIds: ["bob"] };
    const [withThread] = messagesAfter(
      [root],
      { ...entry, type: "thread.updated", messageId: "root", thread: summary },
      "me",
    );
    expect(withThread?.thread).toEqual(summary);
    const empty = { replyCount: 0, lastReplyAt: null, participantIds: [] };
    const [deleted] = messagesAfter(
      [{ ...root, deletedAt: entry.at, thread: summary }],
      { ...entry, type: "thread.updated", messageId: "root", thread: empty },
      "me",
    );
    expect(deleted?.thread).toBeNull();
    const pinned = { ...entry, type: "message.pinned", messageId: "root", pinnedAt: entry.at, pinnedBy: "x" } as const;
    const [pin] = messagesAfter([root], pinned, "me");
    expect([pin?.pinnedAt, pin?.pinnedBy]).toEqual([entry.at, "x"]);
    const others = [message("other", 2)];
    expect(messagesAfter(others, pinned, "me")).toBe(others);
  });

  it("places each reader under the newest message shown at or before their read position", () => {
    const messages = [message("a", 2), message("b", 5), message("c", 8)];
    const seen = seenByMessage(messages, { me: 8, carol: 7, bob: 8, dave: 1, erin: 100 }, "me");
    expect(Object.fromEntries(seen)).toEqual({ b: ["carol"], c: ["bob", "erin"] });
  });
});
