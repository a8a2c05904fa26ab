/**
 * The JSON of event objects, encoded once and remembered by object: a room event published
 * once is framed for all its watchers (and sent to other nodes) from one encoding. Held
 * weakly: an event gone is its JSON gone. An inbox entry's JSON is not kept here: the entry
 * carries its message's shared part itself (`InboxEntry.shared`): a WeakMap entry per member per
 * message cost a write barrier each, and every young-generation GC went through them all
 * (they are ephemerons), which was most of what a node spent per received entry.
 */
const encodings = new WeakMap<object, string>();

/**
 * The part of their JSON that several events share when they differ only by their `seq`
 * (one message's inbox entries, one per member): each is `${open}${seq}${close}`. Its bytes,
 * as the live path frames them (`framing`), are made once, for the first of them framed,
 * and copied into every frame after.
 */
export class SharedEncoding {
  private framed: unknown;
  /** The JSON with seq 0, parsed: made for the first event asked for as an object (`event`). */
  private parsed: Record<string, unknown> | undefined;

  constructor(
    /** The JSON up to the seq's digits (`…,"seq":`). */
    readonly open: string,
    /** The JSON after them, to the closing brace. */
    readonly close: string,
  ) {}

  /**
   * What `make` builds of `open` and `close` (the UTF-8 around the seq with what the frame
   * puts about it), made for the first event framed and kept: there is one framing of these
   * parts (`writeSplicedTrackedFrame`), so every call passes the same `make`.
   */
  framing<T>(make: (open: string, close: string) => T): T {
    this.framed ??= make(this.open, this.close);
    return this.framed as T;
  }

  /** The events' `type` (the same for all: they differ by their `seq` alone). */
  get type(): string {
    return this.template().type as string;
  }

  /** The JSON of the event with this `seq`: `${open}${seq}${close}`. */
  json(seq: number | string): string {
    return `${this.open}${seq}${this.close}`;
  }

  /**
   * The event with this `seq` as an object, `JSON.parse(json(seq))`: the text is parsed once,
   * for the first asked for, and each event is a copy with its own seq.
   */
  event(seq: number): object {
    // The spread keeps the keys' order, `seq` in its place: the object is what the text says.
    return { ...this.template(), seq };
  }

  /** The event with seq 0, parsed once. */
  private template(): Record<string, unknown> {
    this.parsed ??= JSON.parse(this.json(0)) as Record<string, unknown>;
    return this.parsed;
  }
}

/**
 * The keys of a stored `message.created` event, in order: `messageCreated`'s, then the log's
 * (`storeRoomEvent`, `sendMany`).
 */
const MESSAGE_CREATED_KEYS = ["type", "actorId", "message", "roomId", "seq", "at"];

/** A `message.created` event as its room's log stores it. */
interface StoredMessageCreated {
  type: "message.created";
  actorId: string | null;
  message: object;
  roomId: string;
  seq: number;
  at: string;
}

/**
 * `encodingOf(event)` for a `message.created` event, made around its message's JSON, which is
 * remembered as the message's own encoding (`knownEncodingOf`): a send answers its message
 * with that text (`messageResult`) instead of encoding the message a second time. An event of
 * other keys, or of these in another order, is encoded as it stands.
 */
export function messageCreatedEncodingOf(event: StoredMessageCreated): string {
  const known = encodings.get(event);
  if (known !== undefined) return known;
  if (event.type !== "message.created" || !hasKeys(event, MESSAGE_CREATED_KEYS)) return encodingOf(event);
  const { actorId, message, roomId, seq, at } = event;
  const head = `{"type":"message.created","actorId":${JSON.stringify(actorId)},"message":`;
  const messageJson = JSON.stringify(message);
  const json = `${head}${messageJson},"roomId":${JSON.stringify(roomId)},"seq":${JSON.stringify(seq)},"at":${JSON.stringify(at)}}`;
  encodings.set(event, json);
  // A slice of the event's text (flattened here, as its write to the database would), not a second copy kept.
  encodings.set(message, json.slice(head.length, head.length + messageJson.length));
  return json;
}

/** Whether `value`'s own enumerable string keys are `keys`, in that order (as `JSON.stringify` writes them). */
function hasKeys(value: object, keys: readonly string[]): boolean {
  const own = Object.keys(value);
  if (own.length !== keys.length) return false;
  for (let i = 0; i < keys.length; i++) if (own[i] !== keys[i]) return false;
  return true;
}

/** `JSON.stringify(value)` when it was recorded (`rememberEncoding`, `messageCreatedEncodingOf`); undefined when not. */
export function knownEncodingOf(value: object): string | undefined {
  return encodings.get(value);
}

/** Records `json`, which must be exactly `JSON.stringify(event)`, as the encoding of `event`. */
export function rememberEncoding(event: object, json: string): void {
  encodings.set(event, json);
}

/**
 * `JSON.stringify(event)`, from the record when it was encoded before, and remembered when
 * it was not: an event published once is framed (and sent to other nodes) from one encoding.
 */
export function encodingOf(event: object): string {
  const known = encodings.get(event);
  if (known !== undefined) return known;
  const json = JSON.stringify(event);
  encodings.set(event, json);
  return json;
}
