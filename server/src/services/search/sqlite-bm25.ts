import { termCountsOf } from "./search-highlights.js";
import type { SearchTerm } from "./search-query.js";

/** FTS5's own bm25 parameters. */
const K1 = 1.2;
const B = 0.75;

/** How many of `total` messages hold a term (exactly, or estimated). */
export interface TermFrequency {
  documents: number;
  total: number;
}

/** A term's inverse document frequency as FTS5's bm25 computes it (never zero or below). */
export function idfOf({ documents, total }: TermFrequency): number {
  const idf = Math.log((total - documents + 0.5) / (documents + 0.5));
  return idf > 0 ? idf : 1e-6;
}

/**
 * Okapi bm25 of each body for the terms that must match, with FTS5's parameters and formula,
 * computed here from the bodies rather than by FTS5's `bm25()`: that function first counts
 * every match of every phrase in the whole index (its IDF), which for a word in half the
 * messages is half a million doclist entries per query. Here the IDFs are given (estimated by
 * the caller), term frequencies and lengths are counted in the bodies as the highlights are,
 * and the average length is the ranked bodies' own.
 */
export function bm25Of(bodies: readonly string[], terms: readonly SearchTerm[], idfs: readonly number[]): number[] {
  const stats = bodies.map((body) => termCountsOf(body, terms));
  const average = Math.max(1, stats.reduce((sum, { words }) => sum + words, 0) / Math.max(1, stats.length));
  return stats.map(({ words, counts }) =>
    counts.reduce((score, count, i) => {
      const norm = K1 * (1 - B + (B * words) / average);
      return score + ((idfs[i] ?? 1) * (count * (K1 + 1))) / (count + norm);
    }, 0),
  );
}
