import type { Message } from "@natter/shared";
import { describe, expect, it } from "vitest";
import { knownEncodingOf, messageCreatedEncodingOf } from "../events/encoded-events.js";
import { stringifyWithPreEncoded } from "../json/pre-encoded.js";
import { NO_MENTIONS } from "../services/mentions/resolve-mentions.js";
import { messageCreated } from "../services/messages/message-commands.js";
import { messageResult } from "./message-result.js";

const ROOM = "0190a0b0-0000-7000-8000-000000000001";
const AUTHOR = "0190a0b0-0000-7000-8000-000000000003";
const NOW = Date.parse("2026-12-07T09:00:00.000Z");
const PLACE = { replyToId: null, threadId: null, alsoInRoom: false };

/** Bodies whose escapes JSON.stringify decides: quotes, backslashes, controls, lone surrogates, separators. */
const BODIES = [
  "plain text",
  'a "quoted" \\ back\\slash\nnew line\ttab\u0000nul\u001f\u007f',
  "lone \ud800 high, lone \udfff low, pair 😀, reversed \udc00\ud800",
  "line \u2028 and paragraph \u2029 separators, Zoë, 中文",
  "",
];

/** A new message's event as the log stores it (`storeRoomEvent`: `messageCreated`'s, then the log's keys). */
function storedEvent(body: string, seq: number) {
  const fields = messageCreated(ROOM, seq, AUTHOR, body, PLACE, NO_MENTIONS, NOW);
  return Object.assign({}, fields, { roomId: ROOM, seq, at: "2026-12-07T09:00:00.000Z" });
}

describe("messageCreatedEncodingOf", () => {
  it("writes the event as JSON.stringify would, and remembers its message's part as the message's", () => {
    for (const [i, body] of BODIES.entries()) {
      const event = storedEvent(body, 1 + i * 999);
      expect(messageCreatedEncodingOf(event)).toBe(JSON.stringify(event));
      expect(knownEncodingOf(event)).toBe(JSON.stringify(event));
      expect(knownEncodingOf(event.message)).toBe(JSON.stringify(event.message));
    }
  });

  it("encodes an event of other keys as it stands, remembering nothing of its message", () => {
    const { type, actorId, message, roomId, seq, at } = storedEvent("x", 2);
    const reordered = { type, message, actorId, roomId, seq, at };
    const extra = { type, actorId, message, roomId, seq, at, more: 1 };
    for (const event of [reordered, extra]) {
      expect(messageCreatedEncodingOf(event)).toBe(JSON.stringify(event));
      expect(knownEncodingOf(event.message)).toBeUndefined();
    }
  });
});

describe("messageResult", () => {
  it("is { message } to every reader, and writes the known JSON in an answer's encoding", () => {
    for (const body of BODIES) {
      // One message never encoded (a retry's original), one whose event was.
      const { message } = storedEvent(body, 5);
      const event = storedEvent(body, 7);
      messageCreatedEncodingOf(event);
      for (const known of [message, event.message] as Message[]) {
        const result = messageResult(known);
        expect(result).toEqual({ message: known });
        expect(result.message).toBe(known);
        expect(JSON.stringify(result)).toBe(JSON.stringify({ message: known }));
        expect(stringifyWithPreEncoded(result)).toBe(JSON.stringify({ message: known }));
      }
    }
  });
});
