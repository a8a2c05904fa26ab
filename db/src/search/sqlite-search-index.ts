import { type Kysely, type RawBuilder, sql } from "kysely";
import { CJK_GLOB } from "./cjk.js";

/**
 * SQLite's message search index: two FTS5 tables with external content over `messages`
 * (they store no copy of the text, only the index):
 * - `messages_search`: words, `unicode61` with diacritics folded (`café` is `cafe`), with
 *   2- and 3-character prefix indexes so that short `prefix*` queries read one doclist, and
 *   `columnsize = 0`: no `_docsize` table, whose row per message was one more b-tree page
 *   written by every send; only FTS5's own `bm25()` reads it, and the server computes bm25 itself
 *   (`sqlite-bm25.ts`); and leaves of `SQLITE_WORDS_PAGE_SIZE` bytes (FTS5's `pgsz`), see there;
 * - `messages_search_cjk`: trigrams of the messages that hold CJK text, for substrings of
 *   text written without spaces. Only those messages are indexed, so it costs nothing for the rest.
 *   Each body is indexed with two padding characters (U+0003) after it, so that every character
 *   of it starts a trigram: a substring of 1 or 2 characters is then found through the index too,
 *   as the trigrams that begin with it (listed by the `messages_search_cjk_terms` vocabulary table).
 *
 * Triggers keep both in step with every change of `messages.body` (send, edit, delete, the
 * retention sweep, a room deleted with its messages), inside the writing transaction: no code
 * path can forget them, and a deleted or edited-away word leaves the index at the commit that
 * removed it. An external-content table must be told the old text to remove a row's terms,
 * which is exactly what `old.body` is when index and table are in step.
 */
export const SQLITE_SEARCH_TABLES = { words: "messages_search", cjk: "messages_search_cjk" } as const;

/**
 * While a group commit runs (several changes in one transaction, each in a savepoint of its
 * own), this table holds one row: `upto`, the highest rowid of `messages` when the batch began.
 * FTS5 writes out what it has pending at every savepoint, so a trigger per message wrote a
 * segment per message (its leaf, its `_idx` row, the structure record, merges); the live
 * triggers instead leave the rows above `upto` alone, and `indexDeferredSqliteSearch` adds
 * them in one statement, one segment, before the batch commits: still in the writing
 * transaction, searchable when the senders are answered. A row sent, then edited or deleted
 * in the same batch, is above `upto` for every trigger, and is indexed at the end as it is
 * then (or not, deleted). Empty outside a batch: every other writer (the CLI, retention,
 * another process) meets the triggers as before.
 */
export const SQLITE_SEARCH_PENDING = "messages_search_pending";

/**
 * The changes a group commit needs for its messages to be indexed by the batch (see
 * `SQLITE_SEARCH_PENDING`) rather than by the triggers. The deferral has a fixed cost: four
 * statements (the watermark's insert and delete, a fill per table) and the watermark's page
 * written, 60–80 µs of CPU a batch on this machine under load. What it saves, one segment
 * per message less (FTS5 writes one at every savepoint), is small while batches are: CPU per
 * message with the deferral minus without (`bench/src/search-batch.ts`, 20,000 messages before,
 * 960 per round, 7 interleaved rounds, load 15–19, after migration 0036) batches of 2 +48 µs,
 * 4 +15, 6 −19, 8 −11, 12 and 16 within noise (+8, +1); WAL pages alike. SQLite's own
 * instructions (callgrind, 480 messages) it saves from 2 on (258,000 a message against 324,000
 * at 2, 225,000 against 316,000 at 3), not the JavaScript of its four statements.
 */
export const SQLITE_SEARCH_DEFER_FROM = 5;

/** The `fts5vocab` table over the CJK index: its trigrams, in order (`term`), to find those a short substring begins. */
export const SQLITE_CJK_TERMS = "messages_search_cjk_terms";

/**
 * The size of the words index's leaves (FTS5's `pgsz`, 4,050 bytes by default, a whole 4 KiB
 * database page). Every send adds a segment of one small leaf (its message's terms), stored
 * as a row among the rows of the merged segments: beside full-page leaves each such insert
 * split and rebalanced b-tree pages. Leaves of a quarter page leave room: WAL pages per send at
 * 200,000 messages 33.4 → 28.4 (21.7 without the index), queries as fast or faster (a doclist's
 * newest entries, read first, sit in a smaller leaf).
 */
export const SQLITE_WORDS_PAGE_SIZE = 1000;

/**
 * The words index's FTS5 settings (kept in its `_config` table, so they survive a rename):
 * - `pgsz`: `SQLITE_WORDS_PAGE_SIZE`;
 * - `automerge` 64 and `crisismerge` 256 (4 and 16 by default; 16 and 64 from migration 0033 to
 *   0037): a send's one-leaf segment waits among up to 63 others, which are then merged 64 at a
 *   time (FTS5's most), so each message's terms are rewritten by fewer merges: the first one
 *   at 64 sends instead of at 16 and again at 256. SQLite's instructions per single-message
 *   send into 20,000 messages (callgrind, 2,000 sends after 200): 323,000 with 16/64, 299,000
 *   with 64/256, 90,000 without the index; WAL pages 13.1 → 12.9 (7.9 without). `crisismerge`
 *   stays the bound on a level's segments should the incremental merges fall behind.
 *   A query reads the segments there are, up to 63 tiny ones more per level: a b-tree lookup each.
 */
export const SQLITE_WORDS_SETTINGS = { pgsz: SQLITE_WORDS_PAGE_SIZE, automerge: 64, crisismerge: 256 } as const;

/**
 * The merges while a bulk fill builds the words index (its segments are of ~1 MiB, FTS5's
 * pending-data limit, not a message each): those of migrations 0033 to 0037, under which the
 * query latencies at 1,000,000 messages were measured. `SQLITE_WORDS_SETTINGS` replaces them
 * once the fill is done, for the sends' one-message segments.
 */
const SQLITE_WORDS_BUILD_MERGES = { automerge: 16, crisismerge: 64 } as const;

/**
 * Creates the words index under `name` (the reindex builds a second one), with its leaves' size
 * and the merges of a bulk fill; `setSqliteWordsSettings` must follow the fill.
 */
async function createWordsTable<DB>(db: Kysely<DB>, name: string): Promise<void> {
  await sql`create virtual table ${sql.id(name)} using fts5(
    body, content = 'messages', content_rowid = 'rowid',
    tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3', columnsize = 0
  )`.execute(db);
  await setSqliteWordsSettings(db, name, ["pgsz"]);
  for (const [setting, value] of Object.entries(SQLITE_WORDS_BUILD_MERGES)) {
    await sql`insert into ${sql.id(name)} (${sql.id(name)}, rank) values (${sql.lit(setting)}, ${sql.lit(value)})`.execute(
      db,
    );
  }
}

/**
 * Merges the words index `name` into one segment at the level above its highest, once a bulk fill
 * (the migrations' build, a rebuild, `natter reindex`) is done. A fill leaves its segments of
 * ~1 MiB (FTS5's pending-data limit) at the lowest level, where the sends' one-message segments
 * land: their first merge, 64 sends later, took the fill's segments in, and FTS5 then rewrote the
 * whole index a few leaves at every send until it was done. SQLite's instructions per
 * single-message send into a fill of 20,000 messages (callgrind, 1,024 sends): 614,000 without
 * this merge (384,000 of them merges), 278,000 after it (55,000); 71,000 without the index.
 * The merged segment lands one level above the fill's highest (level 1 at 20,000 messages,
 * level 3 at 200,000); FTS5 merges a level when it holds `automerge` segments, whatever their
 * size, so the sends' merges reach it after 64^level sends (4,096 at 20,000 messages, from where
 * a send costs ~490,000 again until that rewrite is done; 16.7 million at level 3).
 * Queries read no more after it: FTS5 `MATCH` at 200,000 messages, newest 200 and a page of 21
 * (callgrind, SQLite instructions): rare word 165,000 → 38,000, common + rare 957,000 → 417,000,
 * phrase 2.93 → 2.60 million, the common word and prefixes within 1% (fewer).
 */
export async function optimizeSqliteWordsIndex<DB>(db: Kysely<DB>, name: string = SQLITE_SEARCH_TABLES.words) {
  await sql`insert into ${sql.id(name)} (${sql.id(name)}) values ('optimize')`.execute(db);
}

/**
 * One step of `optimizeSqliteWordsIndex` for an online rebuild, in the caller's transaction:
 * at most `pages` leaves written. Answers whether FTS5 found anything to merge (it changed at
 * least two rows, as its documentation says to tell).
 */
async function optimizeSqliteWordsStep<DB>(db: Kysely<DB>, name: string, pages: number): Promise<boolean> {
  const changes = async () =>
    Number((await sql<{ n: number }>`select total_changes() as n`.execute(db)).rows[0]?.n ?? 0);
  const before = await changes();
  await sql`insert into ${sql.id(name)} (${sql.id(name)}, rank) values ('merge', ${-pages})`.execute(db);
  return (await changes()) - before >= 2;
}

/**
 * Gives the words index the `SQLITE_WORDS_SETTINGS` named in `settings` (all by default); leaves
 * and merges from then on follow them. Migrations 0032, 0033 and 0037 set them on existing databases.
 */
export async function setSqliteWordsSettings<DB>(
  db: Kysely<DB>,
  name: string = SQLITE_SEARCH_TABLES.words,
  settings: readonly (keyof typeof SQLITE_WORDS_SETTINGS)[] = Object.keys(SQLITE_WORDS_SETTINGS) as never,
) {
  for (const setting of settings) {
    await sql`insert into ${sql.id(name)} (${sql.id(name)}, rank)
      values (${sql.lit(setting)}, ${sql.lit(SQLITE_WORDS_SETTINGS[setting])})`.execute(db);
  }
}

function cjkTable(name: string) {
  return sql`create virtual table ${sql.id(name)} using fts5(
    body, content = 'messages', content_rowid = 'rowid',
    tokenize = 'trigram remove_diacritics 1'
  )`;
}

/** Which rows of `messages` an index table holds, as a trigger sees them (`new` or `old`) or as the table itself. */
type RowFilter = (ref: string) => RawBuilder<unknown>;

/** The text an index table indexes for a row of `messages` (`new`, `old`, or the table itself). */
type IndexedText = (ref: string) => RawBuilder<unknown>;

const bodyText: IndexedText = (ref) => sql`${sql.raw(ref)}.body`;
const paddedText: IndexedText = (ref) => sql`${sql.raw(ref)}.body || char(3, 3)`;

const withBody: RowFilter = (ref) => sql`${sql.raw(ref)}.body is not null`;
/**
 * Bodies with CJK text. GLOB's character class costs ~500 instructions a character (each
 * character of the body is tried against the class's ranges, decoded anew): ~55,000 for a
 * message, a sixth of what the index cost a send. A body of ASCII alone, as most are, has as
 * many bytes as characters, which SQLite counts in a few instructions a byte, and cannot hold
 * CJK text: only the others are matched against the class (migration 0036-search-cjk-ascii).
 */
const withCjk: RowFilter = (ref) => {
  const body = sql`${sql.raw(ref)}.body`;
  return sql`${withBody(ref)} and length(cast(${body} as blob)) > length(${body}) and ${body} glob ${sql.lit(CJK_GLOB)}`;
};

/**
 * Triggers that keep the index table `name` in step for the rows `holds`. An external-content
 * table removes a row's terms when told the text it indexed: `text` of the old row, as it was added.
 */
function triggersFor(name: string, holds: RowFilter, text: IndexedText) {
  const table = sql.id(name);
  const add = sql`insert into ${table} (rowid, body) select new.rowid, ${text("new")} where ${holds("new")};`;
  const remove = sql`insert into ${table} (${table}, rowid, body) select 'delete', old.rowid, ${text("old")} where ${holds("old")};`;
  return [
    sql`create trigger ${sql.id(`${name}_insert`)} after insert on messages begin ${add} end`,
    sql`create trigger ${sql.id(`${name}_delete`)} after delete on messages begin ${remove} end`,
    sql`create trigger ${sql.id(`${name}_update`)} after update of body on messages begin ${remove} ${add} end`,
  ];
}

async function dropTriggersOf<DB>(db: Kysely<DB>, name: string): Promise<void> {
  for (const suffix of ["insert", "delete", "update"]) {
    await sql`drop trigger if exists ${sql.id(`${name}_${suffix}`)}`.execute(db);
  }
}

/** Adds the messages of the rowid range `(after, upTo]` to the index tables `words` and `cjk`. */
async function fill<DB>(db: Kysely<DB>, words: string, cjk: string, after: number, upTo: number): Promise<number> {
  const range = sql`rowid > ${after} and rowid <= ${upTo}`;
  const added = await sql`insert into ${sql.id(words)} (rowid, body)
    select rowid, body from messages where ${range} and ${withBody("messages")}`.execute(db);
  await sql`insert into ${sql.id(cjk)} (rowid, body)
    select rowid, ${paddedText("messages")} from messages where ${range} and ${withCjk("messages")}`.execute(db);
  return Number(added.numAffectedRows ?? 0);
}

/**
 * Rows the live triggers index: all but those of a running batch, which it indexes itself (see
 * `SQLITE_SEARCH_PENDING`). The watermark is tested first: a batch's rows are not tested twice.
 */
const notDeferred =
  (holds: RowFilter): RowFilter =>
  (ref) =>
    sql`${sql.raw(ref)}.rowid <= coalesce((select upto from ${sql.id(SQLITE_SEARCH_PENDING)}), ${sql.raw(ref)}.rowid) and ${holds(ref)}`;

/** The live tables' triggers (or, with `reached`, those of a rebuild's tables). */
function liveTriggers(words: string, cjk: string, reached: (holds: RowFilter) => RowFilter = notDeferred) {
  return [...triggersFor(words, reached(withBody), bodyText), ...triggersFor(cjk, reached(withCjk), paddedText)];
}

/** The table the live triggers read (see `SQLITE_SEARCH_PENDING`). */
const pendingTable = sql`create table if not exists ${sql.id(SQLITE_SEARCH_PENDING)} (upto integer not null)`;

/** Creates the live tables' triggers, and the table they read. */
async function createLiveTriggers<DB>(db: Kysely<DB>, triggers: RawBuilder<unknown>[]): Promise<void> {
  await pendingTable.execute(db);
  for (const trigger of triggers) await trigger.execute(db);
}

/**
 * Whether the database has the search index's live triggers that leave a batch's messages to
 * the batch (`SQLITE_SEARCH_PENDING`): false without a search index (dropped, as the search
 * bench's server without one has it). Only migrations change the answer, so a writer asks once.
 */
export async function defersSqliteSearchInBatches<DB>(db: Kysely<DB>): Promise<boolean> {
  const { rows } = await sql<{ ready: number }>`select count(*) as ready from sqlite_master
    where type = 'table' and name = ${SQLITE_SEARCH_PENDING}`.execute(db);
  return Boolean(rows[0]?.ready);
}

/**
 * Starts a batch (see `SQLITE_SEARCH_PENDING`) on a database that `defersSqliteSearchInBatches`:
 * the live triggers leave the messages added from now on to `indexDeferredSqliteSearch`, which
 * must run before the commit, in the same transaction. Answers the rowid the batch starts above.
 */
export async function deferSqliteSearchIndexing<DB>(db: Kysely<DB>): Promise<number> {
  const { rows } = await sql<{ upto: number }>`insert into ${sql.id(SQLITE_SEARCH_PENDING)} (upto)
    select coalesce(max(rowid), 0) from messages returning upto`.execute(db);
  return Number(rows[0]?.upto ?? 0);
}

/** Ends a batch started by `deferSqliteSearchIndexing` at `upto`: indexes the messages above it, in one statement per table. */
export async function indexDeferredSqliteSearch<DB>(db: Kysely<DB>, upto: number): Promise<void> {
  const { words, cjk } = SQLITE_SEARCH_TABLES;
  await fill(db, words, cjk, upto, Number.MAX_SAFE_INTEGER);
  await sql`delete from ${sql.id(SQLITE_SEARCH_PENDING)}`.execute(db);
}

/** The vocabulary table over the live CJK index (it finds its table by name, so it outlives a rebuild's swap). */
const cjkTermsTable = sql`create virtual table if not exists ${sql.id(SQLITE_CJK_TERMS)}
  using fts5vocab(${sql.id(SQLITE_SEARCH_TABLES.cjk)}, row)`;

/** Creates the search index, its triggers, and builds it from the messages there are. */
export async function createSqliteSearchIndex<DB>(db: Kysely<DB>): Promise<void> {
  const { words, cjk } = SQLITE_SEARCH_TABLES;
  await createWordsTable(db, words);
  await cjkTable(cjk).execute(db);
  await cjkTermsTable.execute(db);
  await createLiveTriggers(db, liveTriggers(words, cjk));
  await fill(db, words, cjk, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
  await optimizeSqliteWordsIndex(db, words);
  await setSqliteWordsSettings(db, words);
}

/**
 * Rebuilds the CJK index in the layout of migration 0025 (bodies padded, so that substrings of
 * 1 or 2 characters are found through it) with its vocabulary table, from the messages there are.
 */
export async function rebuildSqliteCjkIndex<DB>(db: Kysely<DB>): Promise<void> {
  const { cjk } = SQLITE_SEARCH_TABLES;
  await sql`drop table if exists ${sql.id(SQLITE_CJK_TERMS)}`.execute(db);
  await dropTriggersOf(db, cjk);
  await sql`drop table if exists ${sql.id(cjk)}`.execute(db);
  await cjkTable(cjk).execute(db);
  await cjkTermsTable.execute(db);
  await createLiveTriggers(db, triggersFor(cjk, notDeferred(withCjk), paddedText));
  await sql`insert into ${sql.id(cjk)} (rowid, body) select rowid, ${paddedText("messages")} from messages
    where ${withCjk("messages")}`.execute(db);
}

/**
 * Rebuilds the words index in the layout of migrations 0031 and 0032 (`columnsize = 0`, `pgsz`) from the
 * messages there are; the CJK index is left as it is.
 */
export async function rebuildSqliteWordsIndex<DB>(db: Kysely<DB>): Promise<void> {
  const { words } = SQLITE_SEARCH_TABLES;
  await dropTriggersOf(db, words);
  await sql`drop table if exists ${sql.id(words)}`.execute(db);
  await createWordsTable(db, words);
  await createLiveTriggers(db, triggersFor(words, notDeferred(withBody), bodyText));
  await sql`insert into ${sql.id(words)} (rowid, body) select rowid, body from messages where body is not null`.execute(
    db,
  );
  await optimizeSqliteWordsIndex(db, words);
  await setSqliteWordsSettings(db, words);
}

/** Drops the search index, its triggers and the table they read. */
export async function dropSqliteSearchIndex<DB>(db: Kysely<DB>): Promise<void> {
  await sql`drop table if exists ${sql.id(SQLITE_CJK_TERMS)}`.execute(db);
  for (const name of Object.values(SQLITE_SEARCH_TABLES)) {
    await dropTriggersOf(db, name);
    await sql`drop table if exists ${sql.id(name)}`.execute(db);
  }
  await sql`drop table if exists ${sql.id(SQLITE_SEARCH_PENDING)}`.execute(db);
}

/**
 * Gives an existing database the live triggers of this version, and the table they read; the
 * index itself is left as it is. Migration 0035 brought the triggers that leave a batch's
 * messages to the batch (`SQLITE_SEARCH_PENDING`), 0036 their cheaper CJK test (`withCjk`).
 */
export async function replaceSqliteSearchTriggers<DB>(db: Kysely<DB>): Promise<void> {
  const { words, cjk } = SQLITE_SEARCH_TABLES;
  for (const name of [words, cjk]) await dropTriggersOf(db, name);
  await createLiveTriggers(db, liveTriggers(words, cjk));
}

/** How far a rebuild has come: messages indexed so far, of about `total`. */
export interface ReindexProgress {
  indexed: number;
  total: number;
}

/** The tables a rebuild fills beside the live ones, and where it has got to. */
const NEXT = { words: "messages_search_next", cjk: "messages_search_cjk_next", state: "messages_search_reindex" };

/** Leaves a rebuild's merge writes a transaction (~2 MB, about what a batch of its messages writes): sends wait at most that long. */
const REINDEX_MERGE_PAGES = 2000;

/** How long a rebuild may go without finishing a batch before it counts as abandoned. */
export const SQLITE_REINDEX_STALE_MS = 60_000;

/** Drops a rebuild's tables, their triggers and its state. */
async function dropRebuild<DB>(db: Kysely<DB>): Promise<void> {
  for (const name of [NEXT.words, NEXT.cjk]) {
    await dropTriggersOf(db, name);
    await sql`drop table if exists ${sql.id(name)}`.execute(db);
  }
  await sql`drop table if exists ${sql.id(NEXT.state)}`.execute(db);
}

/**
 * Drops what an interrupted rebuild left behind (its `_next` tables, their triggers and its
 * state) once it has not finished a batch for `staleMs`: until then every write to `messages`
 * also pays for the abandoned tables' triggers. A rebuild still running stamps its state at
 * every batch and is left alone. Answers whether anything was dropped. The server calls it at start.
 */
export async function dropAbandonedSqliteReindex<DB>(
  db: Kysely<DB>,
  now: number,
  staleMs = SQLITE_REINDEX_STALE_MS,
): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const { rows: left } = await sql<{ name: string }>`select name from sqlite_master
      where type = 'table' and name in (${sql.join(Object.values(NEXT))})`.execute(trx);
    if (left.length === 0) return false;
    if (left.some((row) => row.name === NEXT.state)) {
      const { rows } = await sql<{ touched_at?: number }>`select * from ${sql.id(NEXT.state)}`.execute(trx);
      // A state without a stamp is from a rebuild of an older natter: abandoned.
      if (now - Number(rows[0]?.touched_at ?? 0) < staleMs) return false;
    }
    await dropRebuild(trx);
    return true;
  });
}

/** Rows of `messages` the next index holds: those the rebuild has reached (up to its cursor). */
const reached =
  (holds: RowFilter): RowFilter =>
  (ref) =>
    sql`${holds(ref)} and ${sql.raw(ref)}.rowid <= (select cursor from ${sql.id(NEXT.state)})`;

/**
 * Rebuilds SQLite's search index online: builds fresh index tables beside the live ones in
 * short transactions of `batchRows` messages (searches keep using the live index, sends wait
 * at most one batch), then swaps them in in one transaction. While it runs, triggers keep the
 * fresh tables in step for the rows already reached, so sends, edits and deletes made meanwhile
 * are in the rebuilt index; the rows not yet reached are read as they are when reached. A
 * rebuild interrupted before the swap leaves the live index as it was; the next run starts over,
 * and a server started after it stopped stamping its state drops its tables
 * (`dropAbandonedSqliteReindex`).
 */
export async function reindexSqliteSearch<DB>(
  db: Kysely<DB>,
  {
    batchRows = 5000,
    onProgress,
  }: {
    batchRows?: number;
    /** Called after each batch, outside any transaction; the next batch waits for its promise. */
    onProgress?: (progress: ReindexProgress) => void | Promise<void>;
  } = {},
): Promise<ReindexProgress> {
  const { words, cjk } = SQLITE_SEARCH_TABLES;
  await db.transaction().execute(async (trx) => {
    await dropRebuild(trx);
    await createWordsTable(trx, NEXT.words);
    await cjkTable(NEXT.cjk).execute(trx);
    await sql`create table ${sql.id(NEXT.state)} (cursor integer not null, touched_at integer not null)`.execute(trx);
    await sql`insert into ${sql.id(NEXT.state)} (cursor, touched_at)
      values (${Number.MIN_SAFE_INTEGER}, ${Date.now()})`.execute(trx);
    for (const trigger of liveTriggers(NEXT.words, NEXT.cjk, reached)) await trigger.execute(trx);
  });
  const { rows } = await sql<{ n: number }>`select count(*) as n from messages where body is not null`.execute(db);
  const progress: ReindexProgress = { indexed: 0, total: Number(rows[0]?.n ?? 0) };
  const step = async (trx: Kysely<DB>, limit: number) => {
    const cursor =
      (await sql<{ cursor: number }>`select cursor from ${sql.id(NEXT.state)}`.execute(trx)).rows[0]?.cursor ?? 0;
    const { rows: end } = await sql<{ upTo: number | null }>`select max(rowid) as "upTo" from
      (select rowid from messages where rowid > ${cursor} order by rowid limit ${limit})`.execute(trx);
    const upTo = end[0]?.upTo;
    if (upTo === null || upTo === undefined) return false;
    progress.indexed += await fill(trx, NEXT.words, NEXT.cjk, cursor, upTo);
    await sql`update ${sql.id(NEXT.state)} set cursor = ${upTo}, touched_at = ${Date.now()}`.execute(trx);
    return true;
  };
  while (await db.transaction().execute((trx) => step(trx, batchRows))) await onProgress?.({ ...progress });
  // The fill's segments merged into one (see `optimizeSqliteWordsIndex`), a step a transaction.
  while (await db.transaction().execute((trx) => optimizeSqliteWordsStep(trx, NEXT.words, REINDEX_MERGE_PAGES))) {}
  const reachedBefore = progress.indexed;
  await db.transaction().execute(async (trx) => {
    // What was sent since the last batch, then the swap, in one transaction: nothing slips between.
    while (await step(trx, batchRows)) {}
    await dropSqliteSearchIndex(trx);
    for (const name of [NEXT.words, NEXT.cjk]) await dropTriggersOf(trx, name);
    await sql`alter table ${sql.id(NEXT.words)} rename to ${sql.id(words)}`.execute(trx);
    await sql`alter table ${sql.id(NEXT.cjk)} rename to ${sql.id(cjk)}`.execute(trx);
    await createLiveTriggers(trx, liveTriggers(words, cjk));
    await setSqliteWordsSettings(trx, words);
    await cjkTermsTable.execute(trx);
    await sql`drop table ${sql.id(NEXT.state)}`.execute(trx);
  });
  if (progress.indexed > reachedBefore) await onProgress?.({ ...progress });
  return progress;
}
