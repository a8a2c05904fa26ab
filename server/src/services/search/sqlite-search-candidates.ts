import { SQLITE_SEARCH_TABLES } from "@natter/db";
import { type RawBuilder, sql } from "kysely";
import { allOf, type SearchCandidates, scopeConditions } from "./search-candidates.js";
import { isSubstring, isWords, type SubstringTerm, type WordsTerm } from "./search-query.js";

/** An FTS5 string: double quotes, with inner ones doubled. Terms hold no quotes; this is the guard anyway. */
function quoted(text: string): string {
  return `"${text.replaceAll('"', '""')}"`;
}

/** A words term as an FTS5 phrase: `"big data" *` for a prefix. */
function phraseOf(term: WordsTerm): string {
  return `${quoted(term.words.join(" "))}${term.prefix ? " *" : ""}`;
}

/** `(a AND b) NOT (c OR d)`: FTS5's NOT is binary, so the exclusions hang off what must match. */
function matchOf(include: WordsTerm[], exclude: WordsTerm[]): string {
  const must = `(${include.map(phraseOf).join(" AND ")})`;
  return exclude.length ? `${must} NOT (${exclude.map(phraseOf).join(" OR ")})` : must;
}

/** Trigrams cannot find fewer than 3 characters: shorter substrings are checked on the body. */
const isTrigramSearchable = (term: SubstringTerm) => [...term.text].length >= 3;

/** A substring condition on the body; terms hold letters, digits, marks and spaces only (no LIKE wildcards). */
const bodyHas = (term: SubstringTerm) => sql`m.body like ${`%${term.text}%`}`;

/**
 * SQLite: the newest matches come from an FTS5 index read in descending rowid order (its
 * doclists are sorted by rowid, so `limit` stops the read early), joined to `messages` for
 * the access and filter conditions. The words index drives when the query has words; the
 * trigram index when it has only CJK substrings of 3 characters or more; otherwise the
 * messages the trigram index holds (those with CJK text, about 5% in the bench) are scanned. Relevance is FTS5's bm25 (negated: higher is better).
 */
export const sqliteSearchCandidates: SearchCandidates = {
  /** Keys are rowids: positive integers JavaScript numbers hold exactly. */
  isKey: (key) => /^[1-9][0-9]{0,15}$/.test(key) && Number.isSafeInteger(Number(key)),
  async find(db, { query, scope, limit, below, upTo }) {
    const { words, cjk } = SQLITE_SEARCH_TABLES;
    const include = query.include.filter(isWords);
    const exclude = query.exclude.filter(isWords);
    const substrings = query.include.filter(isSubstring);
    const conditions = scopeConditions(scope, query);
    let from: RawBuilder<unknown>;
    let key: RawBuilder<unknown>;
    let relevance: RawBuilder<unknown>;
    let checked: SubstringTerm[] = substrings;
    if (include.length > 0) {
      from = sql`${sql.table(words)} join messages m on m.rowid = ${sql.ref(`${words}.rowid`)}`;
      conditions.push(sql`${sql.table(words)} match ${matchOf(include, exclude)}`);
      key = sql.ref(`${words}.rowid`);
      relevance = sql`-bm25(${sql.table(words)})`;
    } else {
      if (exclude.length > 0) {
        conditions.push(
          sql`m.rowid not in (select rowid from ${sql.table(words)} where ${sql.table(words)} match ${matchOf(exclude, [])})`,
        );
      }
      const long = substrings.filter(isTrigramSearchable);
      if (long.length > 0) {
        from = sql`${sql.table(cjk)} join messages m on m.rowid = ${sql.ref(`${cjk}.rowid`)}`;
        const phrases = long.map((term) => quoted(term.text)).join(" AND ");
        conditions.push(sql`${sql.table(cjk)} match ${phrases}`);
        key = sql.ref(`${cjk}.rowid`);
        relevance = sql`-bm25(${sql.table(cjk)})`;
        checked = substrings.filter((term) => !isTrigramSearchable(term));
      } else {
        // Too short for trigrams: only the messages the CJK index holds are read (its
        // `_docsize` shadow table lists their rowids, newest last), not every message; a cross
        // join keeps that table the outer loop, read backwards.
        const docs = `${cjk}_docsize`;
        from = sql`${sql.table(docs)} cross join messages m on m.rowid = ${sql.ref(`${docs}.id`)}`;
        key = sql.ref(`${docs}.id`);
        relevance = sql`0`;
      }
    }
    for (const term of checked) conditions.push(bodyHas(term));
    for (const term of query.exclude.filter(isSubstring)) conditions.push(sql`not ${bodyHas(term)}`);
    if (below !== undefined) conditions.push(sql`${key} < ${Number(below)}`);
    if (upTo !== undefined) conditions.push(sql`${key} <= ${Number(upTo)}`);
    const { rows } = await sql<{ key: number; id: string; createdAt: string; relevance: number }>`
      select ${key} as key, m.id as id, m.created_at as "createdAt", ${relevance} as relevance
      from ${from} where ${allOf(conditions)} order by ${key} desc limit ${limit}`.execute(db);
    return rows.map((row) => ({ ...row, key: String(row.key) }));
  },
};
