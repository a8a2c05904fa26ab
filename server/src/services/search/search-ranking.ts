import type { Candidate } from "./search-candidates.js";

/** How much of a result's rank is relevance; the rest is recency. */
const RELEVANCE_WEIGHT = 0.75;
/** A message this old counts half as recent as one sent now. */
const RECENCY_HALF_LIFE_MS = 30 * 24 * 3600 * 1000;

/**
 * Orders candidates by relevance blended with recency: relevance (bm25 or ts_rank_cd, whose
 * scales differ) is taken relative to the best candidate's, so the blend means the same on
 * both engines; recency halves every 30 days. Ties go to the newer message.
 */
export function rankCandidates(candidates: readonly Candidate[], now: number): Candidate[] {
  const best = Math.max(0, ...candidates.map((candidate) => candidate.relevance));
  const rankOf = (candidate: Candidate) => {
    const relevance = best > 0 ? candidate.relevance / best : 0;
    const age = Math.max(0, now - Date.parse(candidate.createdAt));
    return RELEVANCE_WEIGHT * relevance + (1 - RELEVANCE_WEIGHT) * 0.5 ** (age / RECENCY_HALF_LIFE_MS);
  };
  const ranked = candidates.map((candidate, order) => ({ candidate, order, rank: rankOf(candidate) }));
  // Candidates come newest first: their order breaks ties toward the newer.
  ranked.sort((a, b) => b.rank - a.rank || a.order - b.order);
  return ranked.map(({ candidate }) => candidate);
}
