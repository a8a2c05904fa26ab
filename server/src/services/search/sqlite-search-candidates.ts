import { type Database, SQLITE_CJK_TERMS, SQLITE_SEARCH_TABLES } from "@natter/db";
import { type Kysely, type RawBuilder, sql } from "kysely";
import { allOf, type SearchCandidates, scopeConditions } from "./search-candidates.js";
import { isSubstring, isWords, type SearchTerm, type SubstringTerm, type WordsTerm } from "./search-query.js";
import { bm25Of, idfOf } from "./sqlite-bm25.js";

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

/** The most trigrams a short substring is looked up by: more, and it is checked on the bodies (it is common). */
const SHORT_TRIGRAMS_MAX = 200;

/** A character as the trigram index folds it: lower case, and Latin letters without diacritics. */
const foldForTrigrams = (text: string) =>
  [...text].map((c) => (c <= "\u024f" ? c.normalize("NFD").replace(/\p{M}/gu, "") : c).toLowerCase()).join("");

/**
 * The trigrams of the CJK index that begin with a substring of 1 or 2 characters, read from its
 * vocabulary table: every occurrence of the substring begins one, as bodies are indexed padded.
 * [] when none does (no message holds it); undefined when there are more than
 * `SHORT_TRIGRAMS_MAX` (a common character, checked on the bodies, where it is dense).
 */
async function trigramsBeginning(db: Kysely<Database>, term: SubstringTerm): Promise<string[] | undefined> {
  const prefix = foldForTrigrams(term.text);
  const { rows } = await sql<{ term: string }>`select term from ${sql.table(SQLITE_CJK_TERMS)}
    where term >= ${prefix} and term < ${`${prefix}\u{10ffff}`} limit ${SHORT_TRIGRAMS_MAX + 1}`.execute(db);
  return rows.length > SHORT_TRIGRAMS_MAX ? undefined : rows.map((row) => row.term);
}

/** A substring condition on the body; terms hold letters, digits, marks and spaces only (no LIKE wildcards). */
const bodyHas = (term: SubstringTerm) => sql`m.body like ${`%${term.text}%`}`;

/** How many of a term's newest matches the IDF estimate reads. */
const PROBE = 256;

/**
 * Each term's IDF, for a query of several terms (with one, its IDF scales every score alike and
 * the ranking, relative to the best score, does not depend on it). A term's count of matches is
 * exact when it has fewer than `PROBE`; otherwise estimated from how densely its newest `PROBE`
 * matches lie among the newest messages (rowids rise with time), which costs `PROBE` doclist
 * entries however common the term. A substring too short for trigrams counts as in 1% of messages.
 */
async function idfsOf(db: Kysely<Database>, terms: readonly SearchTerm[]): Promise<number[]> {
  if (terms.length < 2) return terms.map(() => 1);
  const { words, cjk } = SQLITE_SEARCH_TABLES;
  const { rows } = await sql<{ total: number | null }>`select max(rowid) as total from messages`.execute(db);
  const total = Math.max(1, Number(rows[0]?.total ?? 1));
  return Promise.all(
    terms.map(async (term) => {
      const [table, match] = isWords(term)
        ? [words, phraseOf(term)]
        : isTrigramSearchable(term)
          ? [cjk, quoted(term.text)]
          : [undefined, ""];
      if (table === undefined) return idfOf({ documents: total / 100, total });
      const newest = await sql<{ rowid: number }>`select rowid from ${sql.table(table)}
        where ${sql.table(table)} match ${match} order by rowid desc limit ${PROBE}`.execute(db);
      const last = newest.rows.at(-1)?.rowid;
      const documents =
        newest.rows.length < PROBE || last === undefined
          ? newest.rows.length
          : Math.min(total, (PROBE * total) / Math.max(PROBE, total - last + 1));
      return idfOf({ documents, total });
    }),
  );
}

/**
 * SQLite: the newest matches come from an FTS5 index read in descending rowid order (its
 * doclists are sorted by rowid, so `limit` stops the read early), joined to `messages` for
 * the access and filter conditions. The words index drives when the query has words; the
 * trigram index when it has only CJK substrings (those of 1 or 2 characters by the trigrams
 * they begin); only when every one is a very common character are the messages the trigram
 * index holds (those with CJK text, about 5% in the bench) scanned.
 * Relevance is bm25, computed over the matches read (see `bm25Of`), never by FTS5's `bm25()`.
 */
export const sqliteSearchCandidates: SearchCandidates = {
  /** Keys are rowids: positive integers JavaScript numbers hold exactly. */
  isKey: (key) => /^[1-9][0-9]{0,15}$/.test(key) && Number.isSafeInteger(Number(key)),
  async find(db, { query, scope, limit, below, upTo, rank }) {
    const { words, cjk } = SQLITE_SEARCH_TABLES;
    const include = query.include.filter(isWords);
    const exclude = query.exclude.filter(isWords);
    const substrings = query.include.filter(isSubstring);
    const conditions = scopeConditions(scope, query);
    let from: RawBuilder<unknown>;
    let key: RawBuilder<unknown>;
    let checked: SubstringTerm[] = substrings;
    if (include.length > 0) {
      from = sql`${sql.table(words)} join messages m on m.rowid = ${sql.ref(`${words}.rowid`)}`;
      conditions.push(sql`${sql.table(words)} match ${matchOf(include, exclude)}`);
      key = sql.ref(`${words}.rowid`);
    } else {
      if (exclude.length > 0) {
        conditions.push(
          sql`m.rowid not in (select rowid from ${sql.table(words)} where ${sql.table(words)} match ${matchOf(exclude, [])})`,
        );
      }
      const short = substrings.filter((term) => !isTrigramSearchable(term));
      const beginning = await Promise.all(short.map((term) => trigramsBeginning(db, term)));
      if (beginning.some((trigrams) => trigrams?.length === 0)) return [];
      const phrases = [
        ...substrings.filter(isTrigramSearchable).map((term) => quoted(term.text)),
        ...beginning.flatMap((trigrams) => (trigrams ? [`(${trigrams.map(quoted).join(" OR ")})`] : [])),
      ];
      if (phrases.length > 0) {
        from = sql`${sql.table(cjk)} join messages m on m.rowid = ${sql.ref(`${cjk}.rowid`)}`;
        conditions.push(sql`${sql.table(cjk)} match ${phrases.join(" AND ")}`);
        key = sql.ref(`${cjk}.rowid`);
        checked = short.filter((_, i) => beginning[i] === undefined);
      } else {
        // Only common short substrings: the messages the CJK index holds are read (its
        // `_docsize` shadow table lists their rowids, newest last), not every message; a cross
        // join keeps that table the outer loop, read backwards.
        const docs = `${cjk}_docsize`;
        from = sql`${sql.table(docs)} cross join messages m on m.rowid = ${sql.ref(`${docs}.id`)}`;
        key = sql.ref(`${docs}.id`);
      }
    }
    for (const term of checked) conditions.push(bodyHas(term));
    for (const term of query.exclude.filter(isSubstring)) conditions.push(sql`not ${bodyHas(term)}`);
    if (below !== undefined) conditions.push(sql`${key} < ${Number(below)}`);
    if (upTo !== undefined) conditions.push(sql`${key} <= ${Number(upTo)}`);
    const { rows } = await sql<{ key: number; id: string; createdAt: string; body: string | null }>`
      select ${key} as key, m.id as id, m.created_at as "createdAt", ${rank ? sql`m.body` : sql`null`} as body
      from ${from} where ${allOf(conditions)} order by ${key} desc limit ${limit}`.execute(db);
    const scores = rank
      ? bm25Of(
          rows.map((row) => row.body ?? ""),
          query.include,
          await idfsOf(db, query.include),
        )
      : [];
    return rows.map((row, i) => ({
      key: String(row.key),
      id: row.id,
      createdAt: row.createdAt,
      relevance: scores[i] ?? 0,
    }));
  },
};
