import { randomUUID } from "node:crypto";

/**
 * Values that hold their JSON text already (a message's stored reactions), written into an
 * answer as they are instead of being parsed into objects and serialised again: what
 * `JSON.rawJSON` does, which Node 20 lacks. Only `stringifyWithPlaceholders` (and
 * `stringifyWithPreEncoded`, built on it) takes them in: while it runs, a getter that calls
 * `preEncodedToken` hands in its text and answers a placeholder string in its place, which
 * is then replaced by that text; at any other time
 * `preEncodedToken` answers undefined and the getter answers its value as it is, so every
 * other `JSON.stringify`, spread or read sees ordinary data.
 *
 * A placeholder is a string no answer could hold by chance or by design: a DEL (U+007F), a
 * secret drawn when the process starts (never sent: every placeholder is replaced before the
 * text leaves), and the text's index in the order `JSON.stringify` met them. `JSON.stringify`
 * writes it as it is: nothing in it needs an escape (a NUL did, which took every placeholder
 * through the encoder's slow path), and a DEL, rare in any answer, is where the search for one
 * starts (V8's search looks for a pattern's first character first).
 * Pre-encoded texts are ASCII (`jsonBody` measures an answer's UTF-8 without them).
 */
const SECRET = `\u007f${randomUUID()}:`;

/**
 * Placeholders by index, and how each ends in an answer (its closing quote), made once: as many
 * as the largest answer held pre-encoded values (a history page's messages).
 */
const placeholders: string[] = [];
const placeholderEnds: string[] = [];

function placeholder(index: number): string {
  let made = placeholders[index];
  if (made === undefined) {
    made = `${SECRET}${index}`;
    placeholders[index] = made;
    placeholderEnds[index] = `${made}"`;
  }
  return made;
}

/** The texts handed in during the current `stringifyWithPlaceholders`; null outside it. */
let collecting: string[] | null = null;

/**
 * Inside `stringifyWithPlaceholders`: takes `json()` (a JSON text, in ASCII: `jsonBody` counts
 * an answer's non-ASCII bytes before the texts go in, and would send a non-ASCII text's
 * characters as one byte each) and answers the placeholder to return in its place. Outside:
 * undefined, and the caller answers its value itself.
 */
export function preEncodedToken(json: () => string): string | undefined {
  if (collecting === null) return undefined;
  return placeholder(collecting.push(json()) - 1);
}

/**
 * `JSON.stringify(value)` with a placeholder where each pre-encoded value was (`json`), and
 * their texts in order (`texts`); `withPreEncoded` puts them in.
 */
export function stringifyWithPlaceholders(value: unknown): { json: string | undefined; texts: string[] } {
  const texts: string[] = [];
  collecting = texts;
  try {
    return { json: JSON.stringify(value), texts };
  } finally {
    collecting = null;
  }
}

/** `json` of `stringifyWithPlaceholders` with its `texts` written in place of their placeholders. */
export function withPreEncoded(json: string, texts: readonly string[]): string {
  if (texts.length === 0) return json;
  // One pass: each placeholder is found after the one before, in the order they were handed in.
  const parts: string[] = [];
  let from = 0;
  for (let i = 0; i < texts.length; i++) {
    const token = placeholderEnds[i] as string;
    // The placeholder starts at its opening quote, one character before.
    const at = json.indexOf(token, from + 1) - 1;
    if (at < from) throw new Error("withPreEncoded: a placeholder is missing from the text");
    parts.push(json.slice(from, at), texts[i] as string);
    from = at + 1 + token.length;
  }
  parts.push(json.slice(from));
  return parts.join("");
}

/**
 * `JSON.stringify(value)`, with the texts pre-encoded values hand in written as they are: the
 * text `jsonBody` sends (before its choice of ASCII or UTF-8).
 */
export function stringifyWithPreEncoded(value: unknown): string | undefined {
  const { json, texts } = stringifyWithPlaceholders(value);
  return json === undefined ? json : withPreEncoded(json, texts);
}
