/**
 * The scripts written without spaces between words (CJK ideographs, kana, hangul), as a
 * character class. A word tokenizer sees a whole sentence of them as one token, so text in
 * them is found by substring instead, through a trigram index. The same ranges are used by
 * the SQLite triggers (GLOB), the PostgreSQL partial index (regex) and the query parser.
 */
export const CJK_RANGES = "\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af\uf900-\ufaff";

/** Whether the text holds at least one character of the CJK ranges. */
export const CJK_CHARACTER = new RegExp(`[${CJK_RANGES}]`, "u");

/** SQLite GLOB pattern matching text that holds a CJK character. */
export const CJK_GLOB = `*[${CJK_RANGES}]*`;

/** PostgreSQL regular expression matching text that holds a CJK character. */
export const CJK_REGEX = `[${CJK_RANGES}]`;
