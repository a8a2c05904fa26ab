import { asciiEscaped } from "../json/ascii-escape.js";
import { stringifyWithPlaceholders, withPreEncoded } from "../json/pre-encoded.js";

/**
 * `value` as a JSON body, in ASCII when its non-ASCII characters are few. A handful of emoji
 * (a history page's reactions) otherwise turn the whole answer into a two-byte string on both
 * sides: the client decodes it off UTF-8's ASCII fast path and parses a two-byte source, twice
 * the memory of the text. Escaped, `JSON.parse` gives the very same strings (the text is still
 * UTF-8, being ASCII). Measured on a page of 50 messages with 10 reactions each (45 KB): the
 * client's decode and parse 248 → 196 µs of CPU, the server's encoding 252 → 271 µs.
 * Text mostly outside ASCII (a page of Cyrillic or CJK) is sent as UTF-8: escaped it would grow
 * by half or more, and each character costs an escape to write and to read.
 * Values that hold their JSON text already (`json/pre-encoded.ts`) are written as they are.
 */
export function jsonBody(value: unknown): Buffer {
  const { json: encoded = "", texts } = stringifyWithPlaceholders(value);
  // Measured before the pre-encoded texts go in: they are ASCII (one byte a character), so the
  // whole text's UTF-8 exceeds its length by as much, and half a history page is not read twice.
  const extra = Buffer.byteLength(encoded) - encoded.length;
  const json = withPreEncoded(encoded, texts);
  if (extra === 0) return Buffer.from(json, "latin1");
  // Each non-ASCII code unit adds one or two bytes to its UTF-8: past 1 in 16, send UTF-8.
  if (extra * 16 > json.length) return Buffer.from(json);
  return Buffer.from(asciiEscaped(json), "latin1");
}
