/**
 * Which characters text written by users may hold. One rule for the whole API, so that a
 * name or a message cannot hide, reorder or break what is shown around it:
 *
 * - never: C0 and C1 control characters (U+0000–U+001F, U+007F–U+009F), except that message
 *   bodies may hold newline (U+000A) and tab (U+0009); the explicit bidirectional formatting
 *   characters (embeddings and overrides U+202A–U+202E, isolates U+2066–U+2069), which can
 *   make text display in another order than it is stored ("Trojan Source"); the line and
 *   paragraph separators U+2028 and U+2029; unpaired UTF-16 surrogates.
 * - in names (display names and room names; usernames are ASCII letters, digits, `_`, `.`,
 *   `-`, `@`, `+` anyway), also what makes a name look blank or like another name: every
 *   default-ignorable code point (invisible by definition: the implicit direction marks U+200E,
 *   U+200F, U+061C, zero-width space U+200B, word joiner U+2060, byte order mark U+FEFF, soft
 *   hyphen, the Hangul fillers U+115F, U+1160, U+3164, U+FFA0, …) except the zero-width
 *   (non-)joiners U+200C/U+200D, variation selectors and tag characters, which emoji sequences
 *   and Persian need; and the braille blank U+2800, which shows as a space. A name must show
 *   something: one made only of spaces and combining marks is blank. Names are normalised to
 *   NFKC before any of this (full-width, ligature and compatibility forms become the plain
 *   letters they look like; the Kelvin sign becomes K), then trimmed. Message bodies may use
 *   the direction marks, which right-to-left writing needs, and are stored as written.
 */
export type TextKind = "name" | "body";

/** What the rule says, as schema descriptions and docs repeat it. */
export const TEXT_RULE_SUMMARY: Record<TextKind, string> = {
  name: "Normalised to NFKC, then trimmed. No control characters, bidirectional formatting characters (U+202A–U+202E, U+2066–U+2069, U+200E, U+200F, U+061C), line or paragraph separators, unpaired surrogates, or invisible characters (default-ignorable code points such as U+200B, U+3164 and U+FFA0, but for the joiners U+200C/U+200D, variation selectors and tags) or the braille blank U+2800; not blank.",
  body: "No control characters except newline and tab, no bidirectional embeddings, overrides or isolates (U+202A–U+202E, U+2066–U+2069), line or paragraph separators, or unpaired surrogates.",
};

/** Invisible by definition (Unicode's Default_Ignorable_Code_Point). */
const DEFAULT_IGNORABLE = /^\p{Default_Ignorable_Code_Point}$/u;
/** Blank characters that are not default-ignorable: they show as a space of their own. */
const BLANK_LOOKING = new Set([0x2800]);

/** Default-ignorable code points names still need: joiners (emoji sequences, Persian), variation selectors, tags (flags). */
function neededInvisible(codePoint: number): boolean {
  return (
    codePoint === 0x200c ||
    codePoint === 0x200d ||
    (codePoint >= 0xfe00 && codePoint <= 0xfe0f) ||
    (codePoint >= 0xe0100 && codePoint <= 0xe01ef) ||
    (codePoint >= 0xe0020 && codePoint <= 0xe007f)
  );
}

/** Whether a name shows nothing: only spaces, invisible characters and combining marks. */
export function isBlankName(text: string): boolean {
  return text.replace(/[\p{White_Space}\p{Default_Ignorable_Code_Point}\p{M}\u2800]/gu, "") === "";
}

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
  if (kind === "name") {
    if (BLANK_LOOKING.has(codePoint)) return "a blank-looking character";
    if (!neededInvisible(codePoint) && DEFAULT_IGNORABLE.test(String.fromCodePoint(codePoint))) {
      return "an invisible formatting character";
    }
  }
  return undefined;
}

/**
 * Every code unit `refusal` may refuse in text of each kind (a surrogate paired or not; for
 * names, anything outside ASCII): text without any is clean, found in one pass of a regular
 * expression instead of a step of the string's iterator per character (most of what checking
 * a send's body cost).
 */
const MAYBE_REFUSED: Record<TextKind, RegExp> = {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what the rule refuses
  body: /[\0-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]/,
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what the rule refuses
  name: /[\0-\x1f\x7f-\uffff]/,
};

/**
 * The first character `text` may not hold under the rule for `kind`, described for a
 * person (`a control character (U+0000) at 3`), or undefined when the text is clean.
 */
export function findRefusedCharacter(text: string, kind: TextKind): string | undefined {
  if (!MAYBE_REFUSED[kind].test(text)) return undefined;
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
