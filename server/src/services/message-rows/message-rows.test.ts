import { messageSchema } from "@natter/shared";
import { describe, expect, it } from "vitest";
import { type MessageRow, NO_OWN_REACTIONS, toMessage } from "./message-rows.js";

const ROOM = "0190a0b0-0000-7000-8000-000000000001";
const AUTHOR = "0190a0b0-0000-7000-8000-000000000002";
const REPLIER = "0190a0b0-0000-7000-8000-000000000003";

function row(overrides: Partial<MessageRow>): MessageRow {
  return {
    id: "0190a0b0-0000-7000-8000-000000000010",
    room_id: ROOM,
    seq: 7,
    author_id: AUTHOR,
    body: "hello @ann",
    reply_to_id: null,
    client_message_id: "c-1",
    created_at: "2026-12-05T10:00:00.000Z",
    edited_at: null,
    deleted_at: null,
    thread_id: null,
    also_in_room: 0,
    thread_reply_count: 0,
    thread_last_reply_at: null,
    thread_participant_ids: null,
    reactions: null,
    pinned_at: null,
    pinned_by: null,
    mentions: "[]",
    mentions_room: 0,
    ...overrides,
  };
}

// History pages are answered without zod's output check (`builtOutput`): what `toMessage` builds
// must be exactly what that check would have answered, no field more (a stored column leaking),
// none less (a default the check would have filled in), every value of the documented type.
describe("toMessage builds messages exactly as the Message schema answers them", () => {
  const rows = {
    plain: row({}),
    decorated: row({
      reactions: JSON.stringify([
        { emoji: "👍", count: 3 },
        { emoji: ":party_parrot:", count: 1 },
      ]),
      thread_reply_count: 2,
      thread_last_reply_at: "2026-12-05T10:05:00.000Z",
      thread_participant_ids: JSON.stringify([REPLIER, AUTHOR]),
      pinned_at: "2026-12-05T10:06:00.000Z",
      pinned_by: AUTHOR,
      mentions: JSON.stringify([{ userId: REPLIER, username: "Ann" }]),
      mentions_room: 1,
      edited_at: "2026-12-05T10:01:00.000Z",
    }),
    reply: row({ thread_id: "0190a0b0-0000-7000-8000-000000000009", also_in_room: 1, reply_to_id: AUTHOR }),
    tombstone: row({ body: null, deleted_at: "2026-12-05T10:02:00.000Z" }),
  };

  for (const [name, stored] of Object.entries(rows)) {
    it(`a ${name} message, as its reactor and as anyone`, () => {
      const own = new Map([[stored.id, new Set(["👍"])]]);
      for (const message of [toMessage(stored, [], own), toMessage(stored, [], NO_OWN_REACTIONS)]) {
        expect(messageSchema.parse(structuredClone(message))).toStrictEqual(message);
      }
    });
  }

  it("sets me from the reader's own reactions, in first-use order", () => {
    const own = new Map([[rows.decorated.id, new Set([":party_parrot:"])]]);
    expect(toMessage(rows.decorated, [], own).reactions).toStrictEqual([
      { emoji: "👍", count: 3, me: false },
      { emoji: ":party_parrot:", count: 1, me: true },
    ]);
  });
});
