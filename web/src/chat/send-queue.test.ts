import type { Message } from "@natter/client";
import { describe, expect, it } from "vitest";
import { type QueuedMessage, stillPending } from "./send-queue.js";

const queued = (body: string, afterSeq: number): QueuedMessage => ({
  clientMessageId: `c-${body}-${afterSeq}`,
  roomId: "r1",
  body,
  afterSeq,
});
const confirmed = (seq: number, body: string, authorId = "me"): Message => ({
  id: `m${seq}`,
  roomId: "r1",
  seq,
  authorId,
  body,
  replyToId: null,
  createdAt: "2026-03-01T10:00:00.000Z",
  editedAt: null,
  deletedAt: null,
  attachments: [],
  reactions: [],
  threadId: null,
  thread: null,
  pinnedAt: null,
  pinnedBy: null,
  mentions: [],
  mentionsRoom: false,
});

describe("messages still on their way", () => {
  it("hides a queued message once its confirmed copy arrived live, each copy standing for one", () => {
    const queue = [queued("yes", 4), queued("yes", 4), queued("later", 4)];
    expect(stillPending(queue, [confirmed(5, "yes")], "me").map((item) => item.body)).toEqual(["yes", "later"]);
    expect(stillPending(queue, [confirmed(5, "yes"), confirmed(6, "yes")], "me").map((item) => item.body)).toEqual([
      "later",
    ]);
  });

  it("does not take an older message or someone else's for the confirmed copy", () => {
    const queue = [queued("yes", 4)];
    expect(stillPending(queue, [confirmed(3, "yes")], "me")).toHaveLength(1);
    expect(stillPending(queue, [confirmed(5, "yes", "someone-else")], "me")).toHaveLength(1);
  });
});
