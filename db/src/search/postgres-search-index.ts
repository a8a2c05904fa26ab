import { type Kysely, sql } from "kysely";
import { CJK_REGEX } from "./cjk.js";

/**
 * PostgreSQL's message search index:
 * - `messages.search_vector`, a stored generated `tsvector` of the body under the
 *   `natter_search` configuration (the `simple` one, no stemming and no stop words, with
 *   `unaccent` folding diacritics), with a GIN index. Punctuation is replaced by spaces before
 *   parsing, so the parser splits words as SQLite's `unicode61` does (`example.com` is two
 *   words, not a host name). Being generated, the column cannot fall out of step with the body:
 *   a deleted message (null body) has an empty vector in the same statement.
 * - a `pg_trgm` GIN index over the bodies that hold CJK text, for substrings of text written
 *   without spaces; partial, so it costs nothing for the rest.
 * - a GIN index over the same bodies' character pairs (`natter_cjk_bigrams(body)`, an expression
 *   index: no stored column), for substrings of exactly 2 characters, which `pg_trgm` cannot
 *   look up (it needs 3): without it they scanned every CJK message.
 *
 * Both GIN indexes are built with `fastupdate = off`: each insert updates the index at once,
 * at a small steady cost, instead of gathering entries in a pending list that some unlucky
 * insert (or autovacuum) must later flush in one long stall; chat messages are short, so the
 * per-insert cost stays small, and `gin_pending_list_limit` is then unused.
 */
export const POSTGRES_SEARCH = {
  config: "natter_search",
  column: "search_vector",
  wordsIndex: "messages_search_vector",
  cjkIndex: "messages_search_cjk",
  bigramsIndex: "messages_search_cjk_bigrams",
  /** The function the bigrams index is on: a body's distinct pairs of characters, ASCII lower-cased. */
  bigrams: "natter_cjk_bigrams",
  /** The expression the CJK index is partial on; queries repeat it so the planner can use the index. */
  cjkPredicate: CJK_REGEX,
} as const;

/**
 * Characters that are not part of a word: replaced by a space before the parser sees the text.
 * The replacement runs under the ICU root collation, whose character classes know every script:
 * under `messages.body`'s own collation ("C") only ASCII letters would count as letters.
 */
export const POSTGRES_NON_WORD = "[^[:alnum:]]+";

/** Creates the configuration, the generated column and both indexes (building them from the rows there are). */
export async function createPostgresSearchIndex<DB>(db: Kysely<DB>): Promise<void> {
  const { config, column, wordsIndex, cjkIndex, cjkPredicate } = POSTGRES_SEARCH;
  await sql`create extension if not exists unaccent`.execute(db);
  await sql`create extension if not exists pg_trgm`.execute(db);
  await sql`create text search configuration ${sql.id(config)} (copy = simple)`.execute(db);
  await sql`alter text search configuration ${sql.id(config)}
    alter mapping for asciiword, word, numword, asciihword, hword, numhword, hword_asciipart, hword_part, hword_numpart
    with unaccent, simple`.execute(db);
  await sql`alter table messages add column ${sql.id(column)} tsvector generated always as (
    to_tsvector(${sql.lit(config)}::regconfig, regexp_replace(coalesce(body, '') collate "und-x-icu", ${sql.lit(POSTGRES_NON_WORD)}, ' ', 'g'))
  ) stored`.execute(db);
  await sql`create index ${sql.id(wordsIndex)} on messages using gin (${sql.id(column)}) with (fastupdate = off)`.execute(
    db,
  );
  await sql`create index ${sql.id(cjkIndex)} on messages using gin (body gin_trgm_ops) with (fastupdate = off)
    where body ~ ${sql.lit(cjkPredicate)}`.execute(db);
  await createPostgresCjkBigramsIndex(db);
}

/**
 * Creates the function and the index of character pairs over bodies with CJK text (building it
 * from the rows there are); nothing if they exist. Lower-cased as `ilike` compares under the
 * body's "C" collation (ASCII only), so a pair found here is one `ilike` finds.
 */
export async function createPostgresCjkBigramsIndex<DB>(db: Kysely<DB>): Promise<void> {
  const { bigrams, bigramsIndex, cjkPredicate } = POSTGRES_SEARCH;
  await sql`create or replace function ${sql.id(bigrams)}(body text) returns text[]
    language sql immutable strict parallel safe as $$
      select coalesce(array_agg(distinct lower(substr(body, i, 2) collate "C")), '{}')
      from generate_series(1, char_length(body) - 1) as i
    $$`.execute(db);
  await sql`create index if not exists ${sql.id(bigramsIndex)} on messages
    using gin (${sql.id(bigrams)}(body)) with (fastupdate = off) where body ~ ${sql.lit(cjkPredicate)}`.execute(db);
}

/** Drops what `createPostgresSearchIndex` made (the extensions stay: other schemas may use them). */
export async function dropPostgresSearchIndex<DB>(db: Kysely<DB>): Promise<void> {
  const { config, column, cjkIndex, bigramsIndex, bigrams } = POSTGRES_SEARCH;
  await sql`drop index if exists ${sql.id(bigramsIndex)}`.execute(db);
  await sql`drop function if exists ${sql.id(bigrams)}(text)`.execute(db);
  await sql`drop index if exists ${sql.id(cjkIndex)}`.execute(db);
  await sql`alter table messages drop column if exists ${sql.id(column)}`.execute(db);
  await sql`drop text search configuration if exists ${sql.id(config)}`.execute(db);
}

/**
 * Rebuilds PostgreSQL's search indexes online, one after the other, with `reindex
 * concurrently`: writes and searches go on while each is built, and the old one serves until
 * the new one is ready. The generated column needs no rebuilding: it is always the body's.
 * Calls `onStep` before each index.
 */
export async function reindexPostgresSearch<DB>(
  db: Kysely<DB>,
  { onStep }: { onStep?: (index: string) => void } = {},
): Promise<string[]> {
  const indexes = [POSTGRES_SEARCH.wordsIndex, POSTGRES_SEARCH.cjkIndex, POSTGRES_SEARCH.bigramsIndex];
  for (const index of indexes) {
    onStep?.(index);
    await sql`reindex index concurrently ${sql.id(index)}`.execute(db);
  }
  return indexes;
}
