import { usernameSkeleton } from "@natter/db";
import { NatterError } from "@natter/shared";

/** What a blocked term does to a text that holds it. */
export type BlockedTermMode = "reject" | "mask";

/** One blocked term as admins set it. */
export interface BlockedTerm {
  term: string;
  mode: BlockedTermMode;
}

/** What replaces a masked term. */
export const MASK = "***";

/** A word: letters, digits, combining marks and underscores (so "ass" is not in "assassin"). */
const WORD = /[\p{L}\p{N}\p{M}_]+/gu;
/** Outside printable ASCII (a word, made of letters, digits and marks, has no control characters). */
const NON_ASCII = /[^ -~]/;

/** A word folded for comparison: compatibility forms unified, diacritics dropped, lower case. */
export function foldWord(word: string): string {
  return word.normalize("NFKD").replace(/\p{M}/gu, "").toLowerCase();
}

/** The words of a blocked term, folded; empty when it has none (punctuation only). */
export function termWords(term: string): string[] {
  return [...term.matchAll(WORD)].map((match) => foldWord(match[0]));
}

interface CompiledTerm {
  mode: BlockedTermMode;
  folded: string[];
  skeletons: string[];
}

interface Token {
  start: number;
  end: number;
  folded: string;
  /** The confusable skeleton, only for a word with a character outside ASCII once folded. */
  skeleton: string | null;
}

function tokensOf(text: string): Token[] {
  const tokens: Token[] = [];
  for (const match of text.matchAll(WORD)) {
    const folded = foldWord(match[0]);
    const start = match.index;
    tokens.push({
      start,
      end: start + match[0].length,
      folded,
      skeleton: NON_ASCII.test(folded) ? usernameSkeleton(folded) : null,
    });
  }
  return tokens;
}

/**
 * A compiled list of blocked terms. Matching is by whole words: a term of several words
 * matches those words in a row with anything but letters and digits between them. Words
 * compare after folding (NFKD, diacritics removed, lower-cased), so `Café`, `CAFE` and `cafe`
 * are one. Homoglyphs: a word with a character outside ASCII once folded (Cyrillic `а` in
 * `spаm`, Greek, fullwidth forms are folded to ASCII already) is also compared by its Unicode
 * TS #39 confusable skeleton (the one usernames use), so look-alike letters from other scripts
 * are covered. Plain-ASCII substitutions (`sp4m`, `0` for `o`, `rn` for `m`) are not: the
 * skeleton would make ordinary ASCII words collide.
 */
export class WordFilter {
  /** Terms by their first folded word, and (for look-alikes) by its skeleton. */
  private readonly byFirst = new Map<string, CompiledTerm[]>();
  private readonly bySkeleton = new Map<string, CompiledTerm[]>();
  readonly size: number;

  constructor(terms: readonly BlockedTerm[]) {
    for (const { term, mode } of terms) {
      const folded = termWords(term);
      const first = folded[0];
      if (first === undefined) continue;
      const compiled = { mode, folded, skeletons: folded.map((word) => usernameSkeleton(word)) };
      add(this.byFirst, first, compiled);
      add(this.bySkeleton, compiled.skeletons[0] ?? first, compiled);
    }
    this.size = terms.length;
  }

  /**
   * The text with masked terms replaced by `***`; 422 BLOCKED_TERM (naming no term) when it
   * holds a term whose mode is reject. A term of one or two characters grows to three, so a
   * text at its field's limit could pass it once masked: when `***` everywhere would make the
   * text longer than `maxLength`, each masked term becomes as many `*` as it had characters
   * up to three, so the text is never longer than it was.
   */
  apply(text: string, maxLength = Number.POSITIVE_INFINITY): string {
    if (this.size === 0 || text === "") return text;
    const tokens = tokensOf(text);
    const spans: [number, number][] = [];
    for (let i = 0; i < tokens.length; ) {
      const found = this.matchAt(tokens, i);
      if (!found) {
        i += 1;
        continue;
      }
      if (found.mode === "reject") {
        throw new NatterError("BLOCKED_TERM", "This text contains a word that is not allowed here");
      }
      const last = tokens[i + found.folded.length - 1] as Token;
      spans.push([(tokens[i] as Token).start, last.end]);
      i += found.folded.length;
    }
    if (spans.length === 0) return text;
    const masked = replaceSpans(text, spans, () => MASK);
    if (masked.length <= maxLength) return masked;
    return replaceSpans(text, spans, (start, end) => MASK.slice(0, end - start));
  }

  /** The longest term that starts at token `i`, a reject one first among equals. */
  private matchAt(tokens: readonly Token[], i: number): CompiledTerm | undefined {
    const token = tokens[i] as Token;
    const candidates = [
      ...(this.byFirst.get(token.folded) ?? []),
      ...(token.skeleton === null ? [] : (this.bySkeleton.get(token.skeleton) ?? [])),
    ];
    let best: CompiledTerm | undefined;
    for (const term of candidates) {
      if (!term.folded.every((word, k) => wordMatches(tokens[i + k], word, term.skeletons[k] as string))) continue;
      const longer = !best || term.folded.length > best.folded.length;
      const rejectsAsLong = best && term.folded.length === best.folded.length && term.mode === "reject";
      if (longer || rejectsAsLong) best = term;
    }
    return best;
  }
}

/** `text` with each span replaced by what `mask` makes of it. */
function replaceSpans(text: string, spans: [number, number][], mask: (start: number, end: number) => string): string {
  let result = "";
  let from = 0;
  for (const [start, end] of spans) {
    result += text.slice(from, start) + mask(start, end);
    from = end;
  }
  return result + text.slice(from);
}

function wordMatches(token: Token | undefined, folded: string, skeleton: string): boolean {
  if (!token) return false;
  return token.folded === folded || (token.skeleton !== null && token.skeleton === skeleton);
}

function add(map: Map<string, CompiledTerm[]>, key: string, term: CompiledTerm): void {
  const list = map.get(key);
  if (list) list.push(term);
  else map.set(key, [term]);
}
