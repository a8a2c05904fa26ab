import type { Encoder } from "@trpc/server/adapters/ws";
import { encodingOf, type SharedEncoding } from "../events/encoded-events.js";
import { emptyTextFrame, type TextFrame } from "./text-frame.js";

/**
 * tRPC serialises every subscription message on its own, so a room event fanned out to a
 * thousand watchers is turned into JSON a thousand times. All watchers of a room receive
 * the same event object from the bus, so this encoder serialises each event once (`encodingOf`,
 * remembered by object identity) and splices it into each watcher's envelope. The output is byte for
 * byte what `JSON.stringify` gives; any other message is encoded with `JSON.stringify`.
 */
export function createSharedEventEncoder(): Encoder {
  return {
    encode(message: unknown): string {
      const tracked = trackedData(message);
      if (!tracked) return JSON.stringify(message);
      return trackedMessageJson(tracked.messageId, tracked.jsonrpc, tracked.id, encodingOf(tracked.data));
    },
    decode(data) {
      if (typeof data !== "string") throw new Error("natter's WebSocket protocol uses text frames");
      return JSON.parse(data);
    },
  };
}

/**
 * A tracked subscription message as `JSON.stringify` writes tRPC's `{id, jsonrpc?, result:
 * {type: "data", data: {id, data}, id}}`, around the event's JSON (`dataJson`).
 */
export function trackedMessageJson(
  messageId: string | number | null,
  jsonrpc: string | undefined,
  eventId: string,
  dataJson: string,
): string {
  const id = JSON.stringify(eventId);
  return `${trackedMessageOpening(messageId, jsonrpc)}${id},"data":${dataJson}},"id":${id}}}`;
}

/** How subscription `messageId`'s tracked messages begin, up to their event id. */
function trackedMessageOpening(messageId: string | number | null, jsonrpc: string | undefined): string {
  const rpc = jsonrpc === undefined ? "" : `"jsonrpc":${JSON.stringify(jsonrpc)},`;
  return `{"id":${JSON.stringify(messageId)},${rpc}"result":{"type":"data","data":{"id":`;
}

/**
 * How subscription `messageId`'s tracked messages begin, to their event id (`trackedMessageJson`
 * up to `eventId`), as UTF-8: made once per subscription, for `splicedTrackedFrame`.
 */
export function trackedMessagePrefix(messageId: string | number | null, jsonrpc: string | undefined): Buffer {
  return Buffer.from(trackedMessageOpening(messageId, jsonrpc));
}

/**
 * A shared encoding's bytes as its tracked messages hold them around the seq's digits:
 * `,"data":${open}` before, and `${close}},"id":` after (then the event id and `}}`).
 */
interface SplicedBytes {
  head: Buffer;
  tail: Buffer;
}

function splicedBytes(open: string, close: string): SplicedBytes {
  return { head: Buffer.from(`,"data":${open}`), tail: Buffer.from(`${close}},"id":`) };
}

/**
 * The frame of `trackedMessageJson(messageId, jsonrpc, digits, shared.json(digits))`: an event
 * tracked by its seq (`digits`, its decimal digits), built from the subscription's `prefix`
 * (`trackedMessagePrefix`) and the UTF-8 of the shared part around the seq. For an event only
 * one subscriber receives (an inbox entry), whose frame cannot be shared, nothing is encoded
 * per delivery: the digits are ASCII and need no escaping (quoted, they are what
 * `JSON.stringify` makes of them).
 */
export function splicedTrackedFrame(prefix: Buffer, digits: string, shared: SharedEncoding): TextFrame {
  const id = `"${digits}"`;
  const { head, tail } = shared.framing(splicedBytes);
  const framed = emptyTextFrame(prefix.length + 2 * id.length + head.length + digits.length + tail.length + 2);
  const { frame } = framed;
  frame.set(prefix, framed.headerLength);
  let at = writeAscii(frame, id, framed.headerLength + prefix.length);
  at = copyInto(frame, head, at);
  at = writeAscii(frame, digits, at);
  at = copyInto(frame, tail, at);
  at = writeAscii(frame, id, at);
  frame[at] = CLOSE_BRACE;
  frame[at + 1] = CLOSE_BRACE;
  return framed;
}

const CLOSE_BRACE = 0x7d;

/** Copies `bytes` into `buffer` at `at`; answers where they end. */
function copyInto(buffer: Buffer, bytes: Buffer, at: number): number {
  buffer.set(bytes, at);
  return at + bytes.length;
}

/**
 * Writes the ASCII `text` (a seq's digits, quoted or not) into `buffer` at `at`, answers
 * where it ends: byte by byte, cheaper than a call into the encoder.
 */
function writeAscii(buffer: Buffer, text: string, at: number): number {
  for (let i = 0; i < text.length; i++) buffer[at + i] = text.charCodeAt(i);
  return at + text.length;
}

interface TrackedMessage {
  messageId: string | number | null;
  jsonrpc: string | undefined;
  id: string;
  data: object;
}

/**
 * The parts of a tracked subscription message, `{id, jsonrpc?, result: {type: "data",
 * data: {id, data}, id}}` with exactly those keys in that order, or null for any other.
 */
function trackedData(message: unknown): TrackedMessage | null {
  if (!isRecord(message)) return null;
  const keys = Object.keys(message);
  if (!sameKeys(keys, ["id", "result"]) && !sameKeys(keys, ["id", "jsonrpc", "result"])) return null;
  const { id: messageId, jsonrpc, result } = message;
  if (!isRecord(result) || !sameKeys(Object.keys(result), ["type", "data", "id"]) || result.type !== "data")
    return null;
  const { data, id } = result;
  if (!isRecord(data) || !sameKeys(Object.keys(data), ["id", "data"]) || typeof id !== "string" || data.id !== id) {
    return null;
  }
  if (!isRecord(data.data)) return null;
  if (typeof messageId !== "string" && typeof messageId !== "number" && messageId !== null) return null;
  if (jsonrpc !== undefined && typeof jsonrpc !== "string") return null;
  return { messageId, jsonrpc, id, data: data.data };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function sameKeys(actual: readonly string[], expected: readonly string[]): boolean {
  return actual.length === expected.length && actual.every((key, i) => key === expected[i]);
}
