import type { InboxEvent, InboxEventInput } from "@natter/shared";
import { describe, expect, it } from "vitest";
import { encodingOf } from "./encoded-events.js";
import { FollowedLogs } from "./followed-logs.js";
import { decodeInboxBatch, encodeInboxBatch } from "./inbox-batch.js";
import { encodeInboxEntries, type InboxEntry } from "./inbox-log.js";

const ROOM = "0190a0b0-0000-7000-8000-000000000001";
const AT = "2026-12-06T03:00:00.000Z";
const summary = {
  roomId: ROOM,
  messageId: "0190a0b0-0000-7000-8000-000000000002",
  author: { userId: "0190a0b0-0000-7000-8000-000000000003", username: "Zoë" },
  preview: 'a "quoted" \\ line\nbreak, \u2028 and 😀 @ann',
};

/**
 * One message's entries as the log writes them: a summary per member, a mention for one of
 * them, and a count; `offset` is added to every seq.
 */
function messageEntries(offset = 0): InboxEntry[] {
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
    seq: seq + offset,
    event: { ...input, seq: seq + offset, at: AT } as InboxEvent,
  }));
  encodeInboxEntries(
    entries,
    rows.map(([, , input]) => input),
    AT,
  );
  return entries;
}

/** What a node following `users` (each user's log by their id) makes of the batch of `entries`, in order. */
function received(entries: readonly InboxEntry[], users: readonly string[]): InboxEntry[] {
  const out: InboxEntry[] = [];
  const followed = new FollowedLogs<{ key: string; take(entry: InboxEntry): void }>();
  for (const key of users)
    followed.set(key, {
      key,
      take(entry) {
        expect(entry.userId).toBe(key);
        out.push(entry);
      },
    });
  decodeInboxBatch(`{"node":"elsewhere",${encodeInboxBatch(entries)}`, followed);
  return out;
}

/** Each entry's place and event, as what it is compared by. */
const written = (list: readonly InboxEntry[]) =>
  list.map(({ userId, seq, event }) => ({ userId, seq, event: JSON.stringify(event) }));
const byUserSeq = (list: readonly InboxEntry[]) =>
  written(list).sort((a, b) => a.userId.localeCompare(b.userId) || a.seq - b.seq);

// A message's entries for every member travel between nodes as one bus message: what the
// receiving node builds from it must be each entry as written, framed from the same text.
describe("an inbox batch between nodes", () => {
  it("carries every entry, each event as JSON.stringify of the one written, its summary once", () => {
    const entries = messageEntries();
    const text = encodeInboxBatch(entries);
    // One summary per kind of entry, not one per member.
    expect(text.split("line\\\\nbreak").length - 1).toBe(3);
    const decoded = received(entries, ["ann", "bob", "cat", "dan", "eve"]);
    expect(byUserSeq(decoded)).toEqual(byUserSeq(entries));
    for (const entry of decoded) {
      const sent = entries.find((each) => each.userId === entry.userId && each.seq === entry.seq);
      expect(encodingOf(entry.event)).toBe(JSON.stringify(sent?.event));
      expect(entry.event).toEqual(sent?.event);
    }
    // Members' summaries share the received part's bytes, as on the node that wrote them.
    const ann = decoded.find((entry) => entry.userId === "ann");
    const cat = decoded.find((entry) => entry.userId === "cat");
    expect(ann?.shared).toBe(cat?.shared);
    expect(ann?.shared?.json(7)).toBe(JSON.stringify(ann?.event));
  });

  it.each([9, 90, 999_990, 2 ** 40])("reads seqs of every length (seqs from %i on)", (offset) => {
    const entries = messageEntries(offset);
    expect(byUserSeq(received(entries, ["ann", "bob", "cat", "dan", "eve"]))).toEqual(byUserSeq(entries));
  });

  it("builds entries only for the users the node follows", () => {
    const entries = messageEntries();
    expect(received(entries, ["bob", "dan"]).map(({ userId, seq }) => [userId, seq])).toEqual([
      ["bob", 12],
      ["bob", 13],
      ["dan", 40],
    ]);
    expect(received(entries, [])).toEqual([]);
  });

  it("carries entries whose events were never spliced whole", () => {
    const entry: InboxEntry = { userId: "ann", seq: 9, event: { type: "room.added", roomId: ROOM, seq: 9, at: AT } };
    expect(received([entry], ["ann"])).toEqual([entry]);
  });

  it.each([",", "\n"])("carries whole the entries of users whose ids cannot be listed (%j)", (character) => {
    const entries = messageEntries().map((entry) => ({ ...entry, userId: `${entry.userId}${character}x` }));
    const text = encodeInboxBatch(entries);
    expect(text.startsWith('"shared":[],')).toBe(true);
    const users = entries.map((entry) => entry.userId);
    expect(byUserSeq(received(entries, users))).toEqual(byUserSeq(entries));
  });

  it("keeps each shared part's members and seqs out of the JSON, a line each after it", () => {
    const text = encodeInboxBatch(messageEntries());
    const [json, ...lines] = text.split("\n");
    expect(lines).toEqual(["ann,cat,eve", "7,1,2", "bob", "12", "bob", "13"]);
    expect(JSON.parse(`{${json}`)).toMatchObject({ entries: [expect.objectContaining({ userId: "dan" })] });
  });
});
