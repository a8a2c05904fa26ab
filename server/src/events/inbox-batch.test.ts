import type { InboxEvent, InboxEventInput } from "@natter/shared";
import { describe, expect, it } from "vitest";
import { encodingOf } from "./encoded-events.js";
import { decodeInboxBatch, encodeInboxBatch, type InboxBatch } from "./inbox-batch.js";
import { encodeInboxEntries, type InboxEntry } from "./inbox-log.js";

const ROOM = "0190a0b0-0000-7000-8000-000000000001";
const AT = "2026-12-06T03:00:00.000Z";
const summary = {
  roomId: ROOM,
  messageId: "0190a0b0-0000-7000-8000-000000000002",
  author: { userId: "0190a0b0-0000-7000-8000-000000000003", username: "Zoë" },
  preview: 'a "quoted" \\ line\nbreak, \u2028 and 😀 @ann',
};

/** One message's entries as the log writes them: a summary per member, a mention for one of them, and a count. */
function messageEntries(): InboxEntry[] {
  const unmentioned: InboxEventInput = { type: "message.created", ...summary, mentioned: false };
  const mentioned: InboxEventInput = { type: "message.created", ...summary, mentioned: true };
  const mention: InboxEventInput = { type: "mention", ...summary, mentioned: true };
  const unread: InboxEventInput = { type: "unread.changed", roomId: ROOM, unread: 3, mentions: 1 };
  const rows: Array<[string, number, InboxEventInput]> = [
    ["ann", 7, unmentioned],
    ["bob", 12, mentioned],
    ["cat", 1, unmentioned],
    ["bob", 13, mention],
    ["dan", 40, unread],
    ["eve", 2, unmentioned],
  ];
  const entries = rows.map(([userId, seq, input]) => ({
    userId,
    seq,
    event: { ...input, seq, at: AT } as InboxEvent,
  }));
  encodeInboxEntries(
    entries,
    rows.map(([, , input]) => input),
    AT,
  );
  return entries;
}

const received = (entries: readonly InboxEntry[]) =>
  JSON.parse(`{"node":"elsewhere",${encodeInboxBatch(entries)}`) as InboxBatch;

// A message's entries for every member travel between nodes as one bus message: what the
// receiving node builds from it must be each entry as written, framed from the same text.
describe("an inbox batch between nodes", () => {
  it("carries every entry, each event as JSON.stringify of the one written, its summary once", () => {
    const entries = messageEntries();
    const text = encodeInboxBatch(entries);
    // One summary per kind of entry, not one per member.
    expect(text.split("line\\\\nbreak").length - 1).toBe(3);
    const decoded = decodeInboxBatch(received(entries), () => true);
    const byUserSeq = (list: readonly InboxEntry[]) =>
      [...list].sort((a, b) => a.userId.localeCompare(b.userId) || a.seq - b.seq);
    expect(byUserSeq(decoded)).toEqual(byUserSeq(entries));
    for (const entry of decoded) {
      const written = entries.find((each) => each.userId === entry.userId && each.seq === entry.seq);
      expect(JSON.stringify(entry.event)).toBe(JSON.stringify(written?.event));
      expect(encodingOf(entry.event)).toBe(JSON.stringify(written?.event));
    }
    // Members' summaries share the received part's bytes, as on the node that wrote them.
    const ann = decoded.find((entry) => entry.userId === "ann");
    const cat = decoded.find((entry) => entry.userId === "cat");
    expect(ann?.shared).toBe(cat?.shared);
    expect(ann?.shared?.json(7)).toBe(JSON.stringify(ann?.event));
  });

  it("builds entries only for the users the node follows", () => {
    const entries = messageEntries();
    const decoded = decodeInboxBatch(received(entries), (userId) => userId === "bob" || userId === "dan");
    expect(decoded.map(({ userId, seq }) => [userId, seq])).toEqual([
      ["bob", 12],
      ["bob", 13],
      ["dan", 40],
    ]);
    expect(decodeInboxBatch(received(entries), () => false)).toEqual([]);
  });

  it("carries entries whose events were never spliced whole", () => {
    const entry: InboxEntry = { userId: "ann", seq: 9, event: { type: "room.added", roomId: ROOM, seq: 9, at: AT } };
    expect(decodeInboxBatch(received([entry]), () => true)).toEqual([entry]);
  });
});
