/**
 * The JSON of event objects encoded before their delivery, by object: an inbox entry's JSON
 * is built when it is written to the log (spliced from its event's shared part, see
 * `appendInboxEntries`), and the live path frames that text instead of encoding the entry
 * again for its one user. Held weakly: an event gone is its JSON gone.
 */
const encodings = new WeakMap<object, string>();

/** Records `json`, which must be exactly `JSON.stringify(event)`, as the encoding of `event`. */
export function rememberEncoding(event: object, json: string): void {
  encodings.set(event, json);
}

/** `JSON.stringify(event)`, taken from the record when the event was encoded before. */
export function encodingOf(event: object): string {
  return encodings.get(event) ?? JSON.stringify(event);
}

/**
 * `encodingOf(event)`, remembered if it was not: for an event published once and framed
 * after (a room event a remote bus encodes before this node's watchers are framed it).
 */
export function rememberedEncodingOf(event: object): string {
  let json = encodings.get(event);
  if (json === undefined) {
    json = JSON.stringify(event);
    encodings.set(event, json);
  }
  return json;
}
