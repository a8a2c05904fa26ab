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

  constructor(
    /** The JSON up to the seq's digits (`…,"seq":`). */
    readonly open: string,
    /** The JSON after them, to the closing brace. */
    readonly close: string,
  ) {}

  /**
   * What `make` builds of `open` and `close` (the UTF-8 around the seq with what the frame
   * puts about it), made for the first event framed and kept: there is one framing of these
   * parts (`splicedTrackedFrame`), so every call passes the same `make`.
   */
  framing<T>(make: (open: string, close: string) => T): T {
    this.framed ??= make(this.open, this.close);
    return this.framed as T;
  }

  /** The JSON of the event with this `seq`: `${open}${seq}${close}`. */
  json(seq: number | string): string {
    return `${this.open}${seq}${this.close}`;
  }
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
