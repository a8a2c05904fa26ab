import { messageSchema } from "@natter/shared";
import { describe, expect, it } from "vitest";
import { stringifyWithPreEncoded } from "../../json/pre-encoded.js";
import { type MessageRow, NO_OWN_REACTIONS, storedReactions, toMessage } from "./message-rows.js";

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
    // As reactions are stored now (`storedReactions`); `decorated` holds them as rows written before did.
    stored: row({
      reactions: storedReactions([
        { emoji: "👍", count: 3 },
        { emoji: ":party_parrot:", count: 1 },
        { emoji: "❤️", count: 2 },
      ]),
    }),
    reply: row({ thread_id: "0190a0b0-0000-7000-8000-000000000009", also_in_room: 1, reply_to_id: AUTHOR }),
    tombstone: row({ body: null, deleted_at: "2026-12-05T10:02:00.000Z" }),
  };

  for (const [name, stored] of Object.entries(rows)) {
    it(`a ${name} message, as its reactor and as anyone`, () => {
      const own = new Map([[stored.id, ["👍"]]]);
      for (const message of [toMessage(stored, [], own), toMessage(stored, [], NO_OWN_REACTIONS)]) {
        // A clone: what an answer holds (a stored message's state under its symbol is no field).
        const fields = structuredClone(message);
        expect(messageSchema.parse(fields)).toStrictEqual(fields);
        expect(fields).toStrictEqual(JSON.parse(JSON.stringify(message)));
      }
    });
  }

  it("sets me from the reader's own reactions, in first-use order", () => {
    const own = new Map([[rows.decorated.id, [":party_parrot:"]]]);
    expect(toMessage(rows.decorated, [], own).reactions).toStrictEqual([
      { emoji: "👍", count: 3, me: false },
      { emoji: ":party_parrot:", count: 1, me: true },
    ]);
    expect(toMessage(rows.stored, [], new Map([[rows.stored.id, ["❤️", "👍", "🎉"]]])).reactions).toStrictEqual([
      { emoji: "👍", count: 3, me: true },
      { emoji: ":party_parrot:", count: 1, me: false },
      { emoji: "❤️", count: 2, me: true },
    ]);
  });

  // An answer takes stored reactions as text (`json/pre-encoded.ts`): the same JSON as the parsed ones.
  it("encodes stored reactions into an answer as their parsed form, me and all, in ASCII", () => {
    for (const own of [
      NO_OWN_REACTIONS,
      new Map([[rows.stored.id, [":party_parrot:"]]]),
      new Map([[rows.stored.id, ["❤️", "👍", "🎉"]]]),
    ]) {
      const page = { messages: Object.values(rows).map((stored) => toMessage(stored, [], own)), hasMore: false };
      const text = stringifyWithPreEncoded(page) as string;
      expect(text).toContain('"emoji":"\\u2764\\ufe0f"');
      expect(JSON.parse(text)).toStrictEqual(JSON.parse(JSON.stringify(page)));
      expect(JSON.parse(text).messages[2].reactions).toStrictEqual(toMessage(rows.stored, [], own).reactions);
    }
  });

  // What keeps a page of them cheap to build and encode: one getter for all (a closure per
  // message gave each its own hidden class, a dictionary), and a plain message's field order.
  it("builds messages with stored reactions alike: one shared getter, a plain message's fields in order", () => {
    const own = new Map([[rows.stored.id, ["👍"]]]);
    const [mine, anyone, plain] = [
      toMessage(rows.stored, [], own),
      toMessage({ ...rows.stored, id: "0190a0b0-0000-7000-8000-000000000011" }, [], own),
      toMessage(rows.plain, []),
    ];
    const getter = (message: object) => Object.getOwnPropertyDescriptor(message, "reactions")?.get;
    expect(getter(mine)).toBeTypeOf("function");
    expect(getter(mine)).toBe(getter(anyone));
    expect(Reflect.ownKeys(mine).filter((key) => typeof key === "string")).toStrictEqual(Object.keys(plain));
    expect(Object.keys(mine)).toStrictEqual(Object.keys(plain));
    expect(mine.reactions[0]?.me).toBe(true);
    expect(anyone.reactions[0]?.me).toBe(false);
  });

  // Participant ids are split out of their stored JSON, not parsed: the same ids as JSON.parse.
  it("reads a thread's participant ids as JSON.parse does", () => {
    for (const ids of [[], [REPLIER], [REPLIER, AUTHOR, ROOM], ['odd "id"', "back\\slash", 'a","b']]) {
      const summary = toMessage(
        row({ thread_last_reply_at: "2026-12-05T10:05:00.000Z", thread_participant_ids: JSON.stringify(ids) }),
        [],
      ).thread;
      expect(summary?.participantIds).toStrictEqual(ids);
    }
  });

  it("answers reactions changed after the message was built", () => {
    const message = toMessage(rows.stored, [], NO_OWN_REACTIONS);
    const [first] = message.reactions;
    if (first) first.count = 4;
    expect(JSON.parse(stringifyWithPreEncoded(message) as string).reactions[0].count).toBe(4);
    message.reactions = [];
    expect(JSON.parse(stringifyWithPreEncoded(message) as string).reactions).toStrictEqual([]);
  });
});
