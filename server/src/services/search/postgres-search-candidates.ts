import { POSTGRES_SEARCH } from "@natter/db";
import { type RawBuilder, sql } from "kysely";
import { allOf, type RoomIn, type SearchCandidates, scopeConditions } from "./search-candidates.js";
import { isSubstring, isWords, type SubstringTerm, type WordsTerm } from "./search-query.js";

/** A lexeme quoted for `to_tsquery`: single quotes doubled, backslashes escaped. Terms hold neither; this is the guard anyway. */
function lexeme(word: string): string {
  return `'${word.replaceAll("\\", "\\\\").replaceAll("'", "''")}'`;
}

/** A words term as a tsquery: `'big' <-> 'data':*`. */
function tsPhraseOf(term: WordsTerm): string {
  const last = term.words.length - 1;
  const parts = term.words.map((word, i) => `${lexeme(word)}${i === last && term.prefix ? ":*" : ""}`);
  return parts.length > 1 ? `(${parts.join(" <-> ")})` : (parts[0] as string);
}

function tsQueryOf(include: WordsTerm[], exclude: WordsTerm[]): string {
  return [...include.map(tsPhraseOf), ...exclude.map((term) => `!${tsPhraseOf(term)}`)].join(" & ");
}

/**
 * A substring condition on a body holding CJK text. The first half repeats the trigram
 * index's partial predicate word for word, so the planner may use that index.
 */
const bodyHas = (term: SubstringTerm) =>
  sql`(m.body ~ ${sql.lit(POSTGRES_SEARCH.cjkPredicate)} and m.body ilike ${`%${term.text}%`})`;

/**
 * A substring of exactly 2 characters, which the trigram index cannot look up: looked up by the
 * character pairs index instead (same partial predicate, same expression), then checked as above.
 */
const bodyHasPair = (term: SubstringTerm) =>
  sql`(m.body ~ ${sql.lit(POSTGRES_SEARCH.cjkPredicate)}
    and ${sql.id(POSTGRES_SEARCH.bigrams)}(m.body) @> array[lower(${term.text} collate "C")]
    and m.body ilike ${`%${term.text}%`})`;

/**
 * The readable rooms as an array computed once (an InitPlan), against an expression no index
 * serves. As `room_id in (subquery)`, the planner turned the rooms into the outer loop of a
 * nested loop, ANDing each room's 20,000 index entries with the word's (3.4 s for a word in 11
 * messages at 1M); as a plain `= any(…)` it still ANDed the GIN bitmap with every room's entries.
 * Now the word's matches come from the GIN index alone (or, for a common word, from walking the
 * primary key backwards) and the room is checked on each.
 */
const roomInArray: RoomIn = (rooms) => sql`(m.room_id || '') = any(array(${rooms}))`;

/**
 * PostgreSQL: the newest matches by the generated `search_vector` (GIN) and CJK substrings by
 * the partial trigram index, newest first by id (UUIDv7, time-ordered). The tsquery is built
 * from quoted lexemes and handed to `to_tsquery` with natter's configuration, which folds
 * them as the indexed text was folded. Relevance is `ts_rank_cd` (cover density).
 */
export const postgresSearchCandidates: SearchCandidates = {
  /** Keys are message ids (UUIDv7 text): printable ASCII, never NUL, which PostgreSQL's text refuses. */
  isKey: (key) => /^[\x21-\x7e]{1,64}$/.test(key),
  async find(db, { query, scope, limit, below, upTo, rank }) {
    const include = query.include.filter(isWords);
    const exclude = query.exclude.filter(isWords);
    const conditions = scopeConditions(scope, query, roomInArray);
    let relevance: RawBuilder<unknown> = sql`0`;
    if (include.length > 0 || exclude.length > 0) {
      const tsQuery = sql`to_tsquery(${POSTGRES_SEARCH.config}::regconfig, ${tsQueryOf(include, exclude)})`;
      conditions.push(sql`m.${sql.id(POSTGRES_SEARCH.column)} @@ ${tsQuery}`);
      if (include.length > 0 && rank) relevance = sql`ts_rank_cd(m.${sql.id(POSTGRES_SEARCH.column)}, ${tsQuery})`;
    }
    for (const term of query.include.filter(isSubstring)) {
      conditions.push([...term.text].length === 2 ? bodyHasPair(term) : bodyHas(term));
    }
    for (const term of query.exclude.filter(isSubstring)) conditions.push(sql`not ${bodyHas(term)}`);
    if (below !== undefined) conditions.push(sql`m.id < ${below}`);
    if (upTo !== undefined) conditions.push(sql`m.id <= ${upTo}`);
    const { rows } = await sql<{ key: string; id: string; createdAt: string; relevance: number }>`
      select m.id as key, m.id as id, m.created_at as "createdAt", ${relevance}::float8 as relevance
      from messages m where ${allOf(conditions)} order by m.id desc limit ${limit}`.execute(db);
    return rows;
  },
};
