/**
 * The JSON of event objects, encoded once and remembered by object: a room event published
 * once is framed for all its watchers (and sent to other nodes) from one encoding, and an
 * inbox entry's JSON is built when it is written to the log (spliced from its message's
 * shared part, see `encodeInboxEntries`), so that the live path frames that instead of
 * encoding the entry again for its one user. Held weakly: an event gone is its JSON gone.
 */
const encodings = new WeakMap<object, string | SplicedEncoding>();

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
}

/** An event's JSON, `json`, made of a shared part around its own `seq`. */
export interface SplicedEncoding {
  shared: SharedEncoding;
  seq: number;
  json: string;
}

/** Records `json`, which must be exactly `JSON.stringify(event)`, as the encoding of `event`. */
export function rememberEncoding(event: object, json: string): void {
  encodings.set(event, json);
}

/**
 * Records `JSON.stringify(event)` as spliced from a shared part: `${shared.open}${seq}${shared.close}`,
 * which must be exactly it. Answers that JSON.
 */
export function rememberSplicedEncoding(event: object, shared: SharedEncoding, seq: number): string {
  const json = `${shared.open}${seq}${shared.close}`;
  encodings.set(event, { shared, seq, json });
  return json;
}

/**
 * `JSON.stringify(event)`, from the record when it was encoded before, and remembered when
 * it was not: an event published once is framed (and sent to other nodes) from one encoding.
 */
export function encodingOf(event: object): string {
  const known = encodings.get(event);
  if (typeof known === "string") return known;
  if (known !== undefined) return known.json;
  const json = JSON.stringify(event);
  encodings.set(event, json);
  return json;
}

/** The event's encoding as spliced from a shared part, when it was (`rememberSplicedEncoding`). */
export function splicedEncodingOf(event: object): SplicedEncoding | undefined {
  const known = encodings.get(event);
  return typeof known === "object" ? known : undefined;
}
