import { asciiEscaped } from "../json/ascii-escape.js";
import { stringifyWithPreEncoded } from "../json/pre-encoded.js";

/**
 * A JSON answer's text as it goes out: written with `res.end(text, encoding)`, `bytes` long.
 * A string, not a Buffer: a Buffer of more than 4 KB is an ArrayBuffer of its own, memory
 * outside V8's heap that V8 counts towards a young-generation collection, and in natter's
 * process (its heap much bigger than a bare server's) those collections made an answer of 48 KB
 * (a history page with reactions) cost ~310 µs of CPU to write against ~115 µs as a string,
 * which the socket's write copies out of the heap into memory V8 does not track (a bare
 * `node:http` server: 78 vs 80 µs). Measured on a loaded machine (load 15), serving the same
 * text 2,000 times each way, interleaved.
 */
export interface JsonBody {
  text: string;
  encoding: "latin1" | "utf8";
  bytes: number;
}

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
export function jsonBody(value: unknown): JsonBody {
  const json = stringifyWithPreEncoded(value) ?? "";
  const bytes = Buffer.byteLength(json);
  if (bytes === json.length) return { text: json, encoding: "latin1", bytes };
  // Each non-ASCII code unit adds one or two bytes to its UTF-8: past 1 in 16, send UTF-8.
  if ((bytes - json.length) * 16 > json.length) return { text: json, encoding: "utf8", bytes };
  const text = asciiEscaped(json);
  return { text, encoding: "latin1", bytes: text.length };
}
