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

/** Prefixes kept for subscriptions to share (`trackedMessagePrefix`), and the longest kept. */
const PREFIXES_KEPT = 256;
const KEPT_PREFIX_CHARS = 64;
const prefixes = new Map<string, Buffer>();

/**
 * How subscription `messageId`'s tracked messages begin, to their event id (`trackedMessageJson`
 * up to `eventId`), as UTF-8, for `writeSplicedTrackedFrame`; never to be changed. Subscriptions
 * with the same id share one: clients number theirs alike (tRPC from 1 on each connection),
 * and a message's frame lent from one member to the next keeps a prefix it already holds.
 */
export function trackedMessagePrefix(messageId: string | number | null, jsonrpc: string | undefined): Buffer {
  const opening = trackedMessageOpening(messageId, jsonrpc);
  if (opening.length > KEPT_PREFIX_CHARS) return Buffer.from(opening);
  let prefix = prefixes.get(opening);
  if (prefix === undefined) {
    if (prefixes.size >= PREFIXES_KEPT) prefixes.clear();
    prefix = Buffer.from(opening);
    prefixes.set(opening, prefix);
  }
  return prefix;
}

/**
 * A shared encoding's bytes as its tracked messages hold them after their subscription's
 * prefix, for each number of digits a seq has: `"<seq>","data":${open}<seq>${close}},"id":"<seq>"}}`
 * with the digits left as zeros, and where each of the seq's three places begins.
 */
class SplicedBytes {
  /** By number of digits. */
  private readonly byDigits: Array<SplicedTemplate | undefined> = [];

  constructor(
    private readonly open: string,
    private readonly close: string,
  ) {}

  /** The template of a seq of `digits` digits, made the first time one is framed. */
  of(digits: number): SplicedTemplate {
    let template = this.byDigits[digits];
    if (template === undefined) {
      const zeros = "0".repeat(digits);
      const before = Buffer.byteLength(`"${zeros}","data":${this.open}`);
      const bytes = Buffer.from(`"${zeros}","data":${this.open}${zeros}${this.close}},"id":"${zeros}"}}`);
      template = new SplicedTemplate(bytes, before, bytes.length - 3 - digits);
      this.byDigits[digits] = template;
    }
    return template;
  }
}

/**
 * One number of digits' template, and the frame it lent last: a message's inbox entries are
 * framed one after another, and a frame whose writer took its bytes whole (copied them to the
 * kernel, nothing queued) is filled again for the next member instead of a `Buffer` per member.
 */
class SplicedTemplate {
  private lent: TextFrame | undefined;
  /** The prefix the frame lent last holds. */
  private lentPrefix: Buffer | undefined;

  constructor(
    readonly bytes: Buffer,
    /** Where the event's seq begins (the first id's begins at 1). */
    readonly seqAt: number,
    /** Where the closing id's digits begin. */
    readonly lastIdAt: number,
  ) {}

  /**
   * A frame of this template after `prefix`, its header, prefix and template bytes written
   * (the digits left to fill): the one lent last, unless it was kept, its prefix written again
   * only when it held another.
   */
  frameAfter(prefix: Buffer): TextFrame {
    let framed = this.lent;
    if (framed === undefined || this.lentPrefix?.length !== prefix.length) {
      framed = emptyTextFrame(prefix.length + this.bytes.length);
      framed.frame.set(this.bytes, framed.headerLength + prefix.length);
      this.lent = framed;
      this.lentPrefix = undefined;
    }
    if (this.lentPrefix !== prefix) {
      framed.frame.set(prefix, framed.headerLength);
      this.lentPrefix = prefix;
    }
    return framed;
  }

  /** Gives up the frame lent last: its writer holds on to it (queued), so it must not change. */
  giveUp(): void {
    this.lent = undefined;
    this.lentPrefix = undefined;
  }
}

function splicedBytes(open: string, close: string): SplicedBytes {
  return new SplicedBytes(open, close);
}

/**
 * Writes the frame of `trackedMessageJson(messageId, jsonrpc, digits, shared.json(digits))` to
 * `to` with `write`: an event tracked by its seq (`digits`, its decimal digits), built from the
 * subscription's `prefix` (`trackedMessagePrefix`) and the UTF-8 of the shared part around the
 * seq, kept per number of digits with the seq's three places to fill (`SplicedBytes`). For an
 * event only one subscriber receives (an inbox entry), whose frame cannot be shared, nothing is
 * encoded per delivery: the digits are copied, which are ASCII and need no escaping (quoted,
 * they are what `JSON.stringify` makes of them), and the prefix where the frame held another
 * (subscriptions of one id share theirs, `trackedMessagePrefix`). The frame is lent to `write`
 * alone: it returns true when it is done with its bytes (written whole), and the frame is then
 * filled again for the next delivery of the message (no `Buffer` per member); when it returns
 * false (or throws), the frame is left to it and the next delivery gets a new one.
 */
export function writeSplicedTrackedFrame<T>(
  prefix: Buffer,
  digits: string,
  shared: SharedEncoding,
  to: T,
  write: (to: T, frame: TextFrame) => boolean,
): void {
  const template = shared.framing(splicedBytes).of(digits.length);
  const { seqAt, lastIdAt } = template;
  const framed = template.frameAfter(prefix);
  const { frame } = framed;
  const at = framed.headerLength + prefix.length;
  // Byte by byte, cheaper than a call into the encoder.
  for (let i = 0; i < digits.length; i++) {
    const digit = digits.charCodeAt(i);
    frame[at + 1 + i] = digit;
    frame[at + seqAt + i] = digit;
    frame[at + lastIdAt + i] = digit;
  }
  let done = false;
  try {
    done = write(to, framed);
  } finally {
    if (!done) template.giveUp();
  }
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
