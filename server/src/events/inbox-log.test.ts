import type { InboxEvent, InboxEventInput } from "@natter/shared";
import { describe, expect, it } from "vitest";
import { encodingOf } from "./encoded-events.js";
import { encodeInboxEntries, type InboxEntry, inboxEntryJson, rememberReceivedEntry } from "./inbox-log.js";

const ROOM = "0190a0b0-0000-7000-8000-000000000001";
const MESSAGE = "0190a0b0-0000-7000-8000-000000000002";
const AUTHOR = "0190a0b0-0000-7000-8000-000000000003";
const AT = "2026-12-06T03:00:00.000Z";

/** Entries as `appendInboxEntries` makes them: `{ ...input, seq, at }`, each with the input it came from. */
function entriesOf(inputs: readonly InboxEventInput[]): { entries: InboxEntry[]; sources: InboxEventInput[] } {
  const entries = inputs.map((input, i) => ({
    userId: `user-${i}`,
    seq: 1 + i * 37,
    event: { ...input, seq: 1 + i * 37, at: AT } as InboxEvent,
  }));
  return { entries, sources: [...inputs] };
}

// The log stores, and the live path frames, the spliced text in place of `JSON.stringify` of
// each entry: it must be that, byte for byte, whatever the entry holds.
describe("encodeInboxEntries writes each entry as JSON.stringify would", () => {
  const summary = {
    roomId: ROOM,
    messageId: MESSAGE,
    author: { userId: AUTHOR, username: "Zoë" },
    preview: 'a "quoted" \\ line\nbreak, \u2028 and 😀 @ann',
  };
  const unmentioned: InboxEventInput = { type: "message.created", ...summary, mentioned: false };
  const mentioned: InboxEventInput = { type: "message.created", ...summary, mentioned: true };

  it("for every kind of entry, inputs shared by several users included", () => {
    const unread = { type: "unread.changed" as const, roomId: ROOM, unread: 0, mentions: 0 };
    const { entries, sources } = entriesOf([
      unmentioned,
      mentioned,
      unmentioned,
      { type: "mention", ...summary, mentioned: true },
      unread,
      { type: "room.added", roomId: ROOM },
      { type: "room.removed", roomId: ROOM, reason: "kicked" },
      { type: "dm.created", roomId: ROOM, userId: AUTHOR },
    ]);
    // Counts filled in after the entries were made, as `settle` does.
    Object.assign(entries[4]?.event as object, { unread: 12, mentions: 3 });
    const payloads = encodeInboxEntries(entries, sources, AT);
    expect(payloads).toEqual(entries.map(({ event }) => JSON.stringify(event)));
    for (const [i, { event }] of entries.entries()) expect(encodingOf(event)).toBe(payloads[i]);
    // Entries of one input share its encoded part; only the counts of `unread.changed` are encoded whole.
    expect(entries.map(({ seq, shared }) => shared?.json(seq))).toEqual(
      entries.map(({ event }, i) => (event.type === "unread.changed" ? undefined : payloads[i])),
    );
    expect(entries[0]?.shared).toBe(entries[2]?.shared);
    expect(entries[0]?.shared).not.toBe(entries[1]?.shared);
    // What a remote bus sends of each entry, around that text: the entry as JSON.stringify gives it.
    expect(entries.map(inboxEntryJson)).toEqual(
      entries.map(({ userId, seq, event }) => JSON.stringify({ userId, seq, event })),
    );
  });

  it("encodes an event it was not given as JSON.stringify does, once", () => {
    const event = { type: "room.added", roomId: ROOM, seq: 4, at: AT };
    expect(encodingOf(event)).toBe(JSON.stringify(event));
    // Events are immutable once published; a change afterwards shows that the record answered.
    event.seq = 5;
    expect(encodingOf(event)).toBe(JSON.stringify({ ...event, seq: 4 }));
  });

  it("takes a received entry's event encoding from the entry's JSON, as another node sent it", () => {
    const { entries, sources } = entriesOf([unmentioned, mentioned]);
    encodeInboxEntries(entries, sources, AT);
    for (const entry of entries) {
      const json = inboxEntryJson(entry);
      const received = JSON.parse(json) as InboxEntry;
      rememberReceivedEntry(received, json);
      expect(encodingOf(received.event)).toBe(JSON.stringify(received.event));
      // Remembered, not encoded again: a change afterwards shows that the record answered.
      received.event.seq += 1;
      expect(encodingOf(received.event)).toBe(JSON.stringify(entry.event));
    }
  });
});
