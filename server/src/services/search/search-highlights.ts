import type { SearchQuery, SearchTerm } from "./search-query.js";

/** A range `[start, end)` of a body, in UTF-16 code units. */
export type Highlight = [number, number];

interface Token {
  start: number;
  end: number;
  /** The token as the indexes compare it: diacritics removed, lower case. */
  folded: string;
}

const WORD = /[\p{L}\p{N}\p{M}]+/gu;

const ASCII_ALNUM = /^[0-9A-Za-z]*$/;

/** Text as the indexes compare it: `Café` is `cafe`. */
export function foldText(text: string): string {
  // Most words are ASCII letters and digits, which have no diacritics to remove: ranking folds a thousand bodies a query.
  return ASCII_ALNUM.test(text) ? text.toLowerCase() : text.normalize("NFD").replace(/\p{M}/gu, "").toLowerCase();
}

function tokensOf(body: string): Token[] {
  return [...body.matchAll(WORD)].map((match) => ({
    start: match.index,
    end: match.index + match[0].length,
    folded: foldText(match[0]),
  }));
}

function rangesOfWords(tokens: Token[], words: string[], prefix: boolean): Highlight[] {
  const wanted = words.map(foldText);
  const last = wanted.length - 1;
  const ranges: Highlight[] = [];
  for (let i = 0; i + last < tokens.length; i++) {
    const matches = wanted.every((word, k) => {
      const token = (tokens[i + k] as Token).folded;
      return k === last && prefix ? token.startsWith(word) : token === word;
    });
    if (matches) ranges.push([(tokens[i] as Token).start, (tokens[i + last] as Token).end]);
  }
  return ranges;
}

function rangesOfSubstring(body: string, text: string): Highlight[] {
  // Lower-casing keeps offsets only when it keeps the length (it does for all but a few letters).
  const lowered = body.toLowerCase();
  const haystack = lowered.length === body.length ? lowered : body;
  const needle = text.toLowerCase();
  const ranges: Highlight[] = [];
  for (let at = haystack.indexOf(needle); at !== -1 && needle; at = haystack.indexOf(needle, at + needle.length)) {
    ranges.push([at, at + needle.length]);
  }
  return ranges;
}

function rangesOf(body: string, tokens: Token[], term: SearchTerm): Highlight[] {
  return term.kind === "words" ? rangesOfWords(tokens, term.words, term.prefix) : rangesOfSubstring(body, term.text);
}

/** How a body matches terms: its length in words and how often each term occurs in it (for bm25). */
export interface TermCounts {
  words: number;
  counts: number[];
}

/** The body's length in words (as the word index counts them) and each term's occurrences in it. */
export function termCountsOf(body: string, terms: readonly SearchTerm[]): TermCounts {
  const tokens = tokensOf(body);
  return { words: tokens.length, counts: terms.map((term) => rangesOf(body, tokens, term).length) };
}

/**
 * Where the query's terms that must match are found in a body: sorted, overlapping ranges
 * merged. Computed here, not by an engine, so both engines answer the same ranges, and as
 * numbers, never markup, so no client can be tricked into rendering a body as HTML.
 */
export function highlightsOf(body: string | null, query: SearchQuery): Highlight[] {
  if (body === null) return [];
  const tokens = tokensOf(body);
  const ranges = query.include
    .flatMap((term) => rangesOf(body, tokens, term))
    .sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const merged: Highlight[] = [];
  for (const range of ranges) {
    const previous = merged.at(-1);
    if (previous && range[0] <= previous[1]) previous[1] = Math.max(previous[1], range[1]);
    else merged.push([range[0], range[1]]);
  }
  return merged;
}
