/**
 * Which characters text written by users may hold. One rule for the whole API, so that a
 * name or a message cannot hide, reorder or break what is shown around it:
 *
 * - never: C0 and C1 control characters (U+0000–U+001F, U+007F–U+009F), except that message
 *   bodies may hold newline (U+000A) and tab (U+0009); the explicit bidirectional formatting
 *   characters (embeddings and overrides U+202A–U+202E, isolates U+2066–U+2069), which can
 *   make text display in another order than it is stored ("Trojan Source"); the line and
 *   paragraph separators U+2028 and U+2029; unpaired UTF-16 surrogates.
 * - in names (room names; usernames are ASCII letters, digits, `_`, `.`, `-` anyway), also
 *   the invisible characters that make two different names look the same: the implicit
 *   direction marks (U+200E, U+200F, U+061C), zero-width space (U+200B), word joiner
 *   (U+2060) and byte order mark (U+FEFF). Message bodies may use the direction marks, which
 *   right-to-left writing needs; zero-width joiners (emoji sequences, Persian) are allowed
 *   everywhere.
 */
export type TextKind = "name" | "body";

/** What the rule says, as schema descriptions and docs repeat it. */
export const TEXT_RULE_SUMMARY: Record<TextKind, string> = {
  name: "No control characters, bidirectional formatting characters (U+202A–U+202E, U+2066–U+2069, U+200E, U+200F, U+061C), line or paragraph separators, zero-width spaces or unpaired surrogates.",
  body: "No control characters except newline and tab, no bidirectional embeddings, overrides or isolates (U+202A–U+202E, U+2066–U+2069), line or paragraph separators, or unpaired surrogates.",
};

const NAMES_ONLY = new Set([0x200e, 0x200f, 0x061c, 0x200b, 0x2060, 0xfeff]);

/** Why a code point may not appear in text of this kind, or undefined if it may. */
function refusal(codePoint: number, kind: TextKind): string | undefined {
  if (codePoint <= 0x1f || (codePoint >= 0x7f && codePoint <= 0x9f)) {
    if (kind === "body" && (codePoint === 0x0a || codePoint === 0x09)) return undefined;
    return "a control character";
  }
  if ((codePoint >= 0x202a && codePoint <= 0x202e) || (codePoint >= 0x2066 && codePoint <= 0x2069)) {
    return "a bidirectional formatting character";
  }
  if (codePoint === 0x2028 || codePoint === 0x2029) return "a line or paragraph separator";
  if (codePoint >= 0xd800 && codePoint <= 0xdfff) return "an unpaired surrogate";
  if (kind === "name" && NAMES_ONLY.has(codePoint)) return "an invisible formatting character";
  return undefined;
}

/**
 * The first character `text` may not hold under the rule for `kind`, described for a
 * person (`a control character (U+0000) at 3`), or undefined when the text is clean.
 */
export function findRefusedCharacter(text: string, kind: TextKind): string | undefined {
  let index = 0;
  for (const character of text) {
    const codePoint = character.codePointAt(0) ?? 0;
    const reason = refusal(codePoint, kind);
    if (reason) {
      const hex = codePoint.toString(16).toUpperCase().padStart(4, "0");
      return `must not contain ${reason} (U+${hex} at position ${index})`;
    }
    index += character.length;
  }
  return undefined;
}
