import { CJK_CHARACTER } from "@natter/db";
import { LIMITS, NatterError, usernameKeyOf } from "@natter/shared";

/**
 * Words that must appear in this order, one after the other: a single word, or a phrase. The
 * words hold letters, digits and combining marks only (both engines split text at anything
 * else), so nothing in them can be read as query syntax by an engine.
 */
export interface WordsTerm {
  kind: "words";
  words: string[];
  /** The last word is a prefix (`data*`). */
  prefix: boolean;
}

/** Text written without spaces (Chinese, Japanese, Korean), found as a substring. */
export interface SubstringTerm {
  kind: "substring";
  text: string;
}

export type SearchTerm = WordsTerm | SubstringTerm;

export const isWords = (term: SearchTerm): term is WordsTerm => term.kind === "words";
export const isSubstring = (term: SearchTerm): term is SubstringTerm => term.kind === "substring";

/** A parsed query: what must match, what must not, and whose messages in which rooms. */
export interface SearchQuery {
  include: SearchTerm[];
  exclude: SearchTerm[];
  /** `from:` usernames, as their keys (ASCII letters lower-cased); any of them. */
  authors: string[];
  /** `in:` room names, ASCII letters lower-cased; any of them. */
  rooms: string[];
}

/** The longest word a query may hold (PostgreSQL refuses long words in a query outright). */
const WORD_MAX = 100;
const WORD_PIECES = /[\p{L}\p{N}\p{M}]+/gu;
const HAS_LETTER = /[\p{L}\p{N}]/u;
/** Whitespace, and control characters (NUL...) read as whitespace. */
const SPACE = /[\s\p{Cc}]/u;

function refuse(message: string): never {
  throw new NatterError("VALIDATION_FAILED", "Input validation failed", { issues: [{ path: "q", message }] });
}

/** The term a piece of text stands for, or undefined when it holds no letter or digit. */
function termOf(text: string, prefix: boolean): SearchTerm | undefined {
  // A piece of combining marks alone (a stray U+0301) is no word to either engine's tokenizer.
  // Composed, as bodies nearly always are: `e` + U+0301 is `é`, which both engines fold to `e`.
  // Only the text searched for: `from:` names are ASCII and fold nothing (U+212A is no K).
  const words = text
    .normalize("NFC")
    .match(WORD_PIECES)
    ?.filter((piece) => HAS_LETTER.test(piece));
  if (!words?.length) return undefined;
  if (words.some((word) => word.length > WORD_MAX)) refuse(`words must be at most ${WORD_MAX} characters`);
  if (words.some((word) => CJK_CHARACTER.test(word))) return { kind: "substring", text: words.join(" ") };
  return { kind: "words", words, prefix };
}

/** Reads a quoted stretch starting after the quote at `from`; answers it and where reading goes on. */
function readQuoted(q: string, from: number): [string, number] {
  const end = q.indexOf('"', from);
  return end === -1 ? [q.slice(from), q.length] : [q.slice(from, end), end + 1];
}

/** Reads up to the next whitespace from `from`. */
function readBare(q: string, from: number): [string, number] {
  let end = from;
  while (end < q.length && !SPACE.test(q[end] as string)) end++;
  return [q.slice(from, end), end];
}

const FILTER = /^(from|in):/i;

/**
 * Parses natter's search query language: words (all must match), `"exact phrase"`, `prefix*`,
 * `-excluded` (`-"phrase"` too), `from:username`, `in:room-name` (`in:"two words"`). Nothing is
 * a syntax error: stray quotes, operators and punctuation are read as the spaces between
 * words. Refuses (400 VALIDATION_FAILED) a query with nothing that must match, more than
 * `LIMITS.searchTermsMax` words, or a word longer than 100 characters.
 */
export function parseSearchQuery(q: string): SearchQuery {
  const query: SearchQuery = { include: [], exclude: [], authors: [], rooms: [] };
  let at = 0;
  while (at < q.length) {
    if (SPACE.test(q[at] as string)) {
      at++;
      continue;
    }
    const negated = q[at] === "-" && at + 1 < q.length && !SPACE.test(q[at + 1] as string);
    if (negated) at++;
    let term: SearchTerm | undefined;
    if (q[at] === '"') {
      let phrase: string;
      [phrase, at] = readQuoted(q, at + 1);
      term = termOf(phrase, false);
    } else {
      const filter = negated ? null : FILTER.exec(q.slice(at, at + 5));
      let text: string;
      if (filter?.[1] && at + filter[0].length < q.length && !SPACE.test(q[at + filter[0].length] as string)) {
        const start = at + filter[0].length;
        [text, at] = q[start] === '"' ? readQuoted(q, start + 1) : readBare(q, start);
        const value = text.replace(/\p{Cc}/gu, "").trim();
        if (!value) continue;
        // Usernames are looked up by their key (ASCII case folded, nothing else); room names,
        // stored in NFKC, by SQL's lower(), which folds ASCII letters only on both engines.
        if (filter[1].toLowerCase() === "from") query.authors.push(usernameKeyOf(value));
        else query.rooms.push(usernameKeyOf(value.normalize("NFKC")));
        continue;
      }
      [text, at] = readBare(q, at);
      term = termOf(text, /\p{L}|\p{N}|\p{M}/u.test(text) && text.endsWith("*"));
    }
    if (term) (negated ? query.exclude : query.include).push(term);
  }
  const words = [...query.include, ...query.exclude].reduce(
    (sum, term) => sum + (term.kind === "words" ? term.words.length : 1),
    0,
  );
  if (words > LIMITS.searchTermsMax) {
    refuse(`at most ${LIMITS.searchTermsMax} words in all`);
  }
  if (query.include.length === 0) {
    refuse("give at least one word to find (only letters and digits are searched; `-word` only excludes)");
  }
  return query;
}
