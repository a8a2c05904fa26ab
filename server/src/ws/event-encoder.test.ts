import { describe, expect, it } from "vitest";
import { SharedEncoding } from "../events/encoded-events.js";
import {
  createSharedEventEncoder,
  trackedMessageJson,
  trackedMessagePrefix,
  writeSplicedTrackedFrame,
} from "./event-encoder.js";
import { type TextFrame, textFrame } from "./text-frame.js";

const event = {
  type: "message.created",
  roomId: "r1",
  seq: 7,
  at: "2026-01-01T00:00:00.000Z",
  actorId: "u1",
  message: { id: "m1", body: 'quotes " and \\ and \u2028 and emoji 🎉', replyToId: null },
};

/** A tracked subscription message exactly as tRPC's WebSocket adapter builds it. */
function trackedMessage(id: string | number | null, jsonrpc: "2.0" | undefined, seq: string, data: object) {
  const result: Record<string, unknown> = { type: "data", data };
  result.id = seq;
  result.data = { id: seq, data };
  return { id, jsonrpc, result };
}

describe("the shared event encoder", () => {
  const encoder = createSharedEventEncoder();

  it.each([
    ["a numeric id with jsonrpc", trackedMessage(3, "2.0", "7", event)],
    ["a string id without jsonrpc", trackedMessage("sub-1", undefined, "7", event)],
    ["a null id", trackedMessage(null, undefined, "12", { type: "room.deleted", seq: 12 })],
  ])("encodes a tracked event with %s exactly as JSON.stringify does", (_, message) => {
    expect(encoder.encode(message)).toBe(JSON.stringify(message));
  });

  it.each([
    ["an untracked data message", { id: 1, jsonrpc: "2.0", result: { type: "data", data: { type: "typing" } } }],
    ["a started message", { id: 1, result: { type: "started" } }],
    ["an error", { id: 1, error: { code: -32600, message: "bad", data: { code: "BAD_REQUEST" } } }],
    ["a reconnect notification", { id: null, method: "reconnect" }],
    ["a tracked primitive", trackedMessage(1, undefined, "1", [1, 2])],
  ])("encodes %s as JSON.stringify does", (_, message) => {
    expect(encoder.encode(message)).toBe(JSON.stringify(message));
  });

  it("serialises an event once however many watchers it goes to", () => {
    const shared = { ...event };
    const first = encoder.encode(trackedMessage(1, "2.0", "7", shared));
    // Events are immutable once published; a change afterwards shows that the cache answered.
    shared.seq = 999;
    const second = encoder.encode(trackedMessage(2, "2.0", "7", shared));
    expect(second).toBe(String(first).replace('{"id":1,', '{"id":2,'));
  });

  it("decodes JSON text frames", () => {
    expect(encoder.decode('{"id":1,"method":"query"}')).toEqual({ id: 1, method: "query" });
  });
});

// The live path frames an inbox entry from its message's shared bytes around its seq: the
// frame must be, byte for byte, the one built from the whole text (what a peer then reads).
describe("writeSplicedTrackedFrame", () => {
  const AT = "2026-12-06T03:00:00.000Z";
  const input = {
    type: "message.created",
    roomId: "r1",
    preview: 'quotes " \\ \u2028 and emoji 🎉 and é',
    mentioned: false,
  };
  const shared = new SharedEncoding(`${JSON.stringify(input).slice(0, -1)},"seq":`, `,"at":${JSON.stringify(AT)}}`);

  /** The frames written, copied when `taken` (the writer says it is done with them), else as lent. */
  function framesOf(entries: Array<[Buffer, string, SharedEncoding]>, taken: boolean): Buffer[] {
    const written: Buffer[] = [];
    const write = (_: undefined, { frame }: TextFrame) => {
      written.push(taken ? Buffer.from(frame) : frame);
      return taken;
    };
    for (const [prefix, seq, of] of entries) writeSplicedTrackedFrame(prefix, seq, of, undefined, write);
    return written;
  }

  it.each([
    ["a numeric subscription id", 3, undefined, 7],
    ["a string subscription id with jsonrpc", "sub-é-1", "2.0", 123_456],
    ["a null subscription id", null, undefined, 1],
  ] as const)("frames the entry with %s as the whole text's frame", (_, id, jsonrpc, seq) => {
    const event = { ...input, seq, at: AT };
    const eventId = String(seq);
    expect(shared.json(seq)).toBe(JSON.stringify(event));
    const whole = textFrame(trackedMessageJson(id, jsonrpc, eventId, JSON.stringify(event)));
    const [frame] = framesOf([[trackedMessagePrefix(id, jsonrpc), eventId, shared]], true);
    expect(frame?.equals(whole.frame)).toBe(true);
    expect(frame?.subarray(whole.headerLength).toString("utf8")).toBe(
      JSON.stringify(trackedMessage(id, jsonrpc, eventId, event)),
    );
  });

  // One message's members one after another: other seqs, subscription ids of one length and of
  // others, the same id again (its prefix already in the frame) and after another id.
  const members: Array<[string | number, string]> = [
    [1, "9"],
    [1, "10"],
    [2, "11"],
    [3, "12"],
    [3, "13"],
    [100, "14"],
    [4, "15"],
    ["a-longer-id", "16"],
    [5, "17"],
    [1, "18"],
  ];
  const wholeFrames = members.map(
    ([id, seq]) => textFrame(trackedMessageJson(id, undefined, seq, shared.json(seq))).frame,
  );
  const entries = members.map(([id, seq]): [Buffer, string, SharedEncoding] => [
    trackedMessagePrefix(id, undefined),
    seq,
    shared,
  ]);

  it("frames each member of a message in turn in the frame the writer took whole before", () => {
    expect(framesOf(entries, true)).toEqual(wholeFrames);
  });

  it("leaves a frame its writer did not take whole as it was, and frames the next in another", () => {
    expect(framesOf(entries, false)).toEqual(wholeFrames);
  });

  it("leaves a frame whose writer threw as it was", () => {
    const lent: Buffer[] = [];
    const [first, second] = entries as [[Buffer, string, SharedEncoding], [Buffer, string, SharedEncoding]];
    expect(() =>
      writeSplicedTrackedFrame(first[0], "77", shared, undefined, (_, { frame }) => {
        lent.push(frame);
        throw new Error("socket gone");
      }),
    ).toThrow("socket gone");
    writeSplicedTrackedFrame(second[0], "78", shared, undefined, () => true);
    expect(lent[0]?.equals(textFrame(trackedMessageJson(1, undefined, "77", shared.json(77))).frame)).toBe(true);
  });

  it("shares one prefix between subscriptions of one id, and none with another", () => {
    expect(trackedMessagePrefix(1, undefined)).toBe(trackedMessagePrefix(1, undefined));
    expect(trackedMessagePrefix(1, "2.0")).not.toBe(trackedMessagePrefix(1, undefined));
    expect(trackedMessagePrefix("1", undefined).toString()).toBe('{"id":"1","result":{"type":"data","data":{"id":');
  });

  it.each([
    ["126 bytes and more (16-bit length)", 400],
    ["64 KiB and more (64-bit length)", 70_000],
  ])("frames a payload of %s as the whole text's frame", (_, length) => {
    const long = new SharedEncoding(`{"preview":${JSON.stringify("é".repeat(length / 2))},"seq":`, "}");
    const event = { preview: "é".repeat(length / 2), seq: 42 };
    const [frame] = framesOf([[trackedMessagePrefix(1, undefined), "42", long]], true);
    expect(frame?.equals(textFrame(trackedMessageJson(1, undefined, "42", JSON.stringify(event))).frame)).toBe(true);
  });
});
