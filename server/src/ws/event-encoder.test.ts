import { describe, expect, it } from "vitest";
import { createSharedEventEncoder } from "./event-encoder.js";

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
