import { randomUUID } from "node:crypto";

/**
 * Values that hold their JSON text already (a message's stored reactions), written into an
 * answer as they are instead of being parsed into objects and serialised again: what
 * `JSON.rawJSON` does, which Node 20 lacks. Only `stringifyWithPreEncoded` takes them in: while
 * it runs, a getter that calls `preEncodedToken` hands in its text and answers a placeholder
 * string in its place, which is then replaced by that text; at any other time
 * `preEncodedToken` answers undefined and the getter answers its value as it is, so every
 * other `JSON.stringify`, spread or read sees ordinary data.
 *
 * A placeholder is a string no answer could hold by chance or by design: a NUL, a secret drawn
 * when the process starts (never sent: every placeholder is replaced before the text leaves),
 * and the text's index in the order `JSON.stringify` met them.
 */
const SECRET = `\u0000${randomUUID()}:`;
/**
 * The placeholder's JSON text as `JSON.stringify` writes it, without its opening quote, index and
 * closing quote. Searched for from its backslash (the NUL's escape), rare in an answer whose
 * pre-encoded parts are not in it yet, where a quote comes every few characters: V8's search
 * looks for a pattern's first character first.
 */
const TOKEN_START = JSON.stringify(SECRET).slice(1, -1);

/** The texts handed in during the current `stringifyWithPreEncoded`; null outside it. */
let collecting: string[] | null = null;

/**
 * Inside `stringifyWithPreEncoded`: takes `json()` (a JSON text) and answers the placeholder
 * to return in its place. Outside: undefined, and the caller answers its value itself.
 */
export function preEncodedToken(json: () => string): string | undefined {
  if (collecting === null) return undefined;
  return `${SECRET}${collecting.push(json()) - 1}`;
}

/** `JSON.stringify(value)`, with the texts pre-encoded values hand in written as they are. */
export function stringifyWithPreEncoded(value: unknown): string | undefined {
  const texts: string[] = [];
  collecting = texts;
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } finally {
    collecting = null;
  }
  if (json === undefined || texts.length === 0) return json;
  // One pass: each placeholder is found after the one before, in the order they were handed in.
  const parts: string[] = [];
  let from = 0;
  for (let i = 0; i < texts.length; i++) {
    const token = `${TOKEN_START}${i}"`;
    // The placeholder starts at its opening quote, one character before.
    const at = json.indexOf(token, from + 1) - 1;
    if (at < from) throw new Error("stringifyWithPreEncoded: a placeholder is missing from the text");
    parts.push(json.slice(from, at), texts[i] as string);
    from = at + 1 + token.length;
  }
  parts.push(json.slice(from));
  return parts.join("");
}
