/** Runs of UTF-16 code units outside ASCII in a JSON text. */
const NON_ASCII_RUNS = /[\u0080-\uffff]+/g;
const HEX = "0123456789abcdef";

/** A run of non-ASCII code units as JSON `\uXXXX` escapes (an emoji's surrogate pair as two). */
function escapeRun(run: string): string {
  let escaped = "";
  for (let i = 0; i < run.length; i++) {
    const unit = run.charCodeAt(i);
    escaped += `\\u${HEX[unit >> 12]}${HEX[(unit >> 8) & 15]}${HEX[(unit >> 4) & 15]}${HEX[unit & 15]}`;
  }
  return escaped;
}

/**
 * A JSON text with every character outside ASCII written as `\uXXXX`: the same value to
 * `JSON.parse`, in ASCII (one byte a character in memory and in UTF-8).
 */
export function asciiEscaped(json: string): string {
  return json.replace(NON_ASCII_RUNS, escapeRun);
}
