import type { Database } from "@natter/db";
import { type BlockedTerms, NatterError } from "@natter/shared";
import type { Kysely } from "kysely";
import type { AuthSession } from "../../auth/auth-session.js";
import { type Clock, toTimestamp } from "../../clock/clock.js";
import { isServerAdmin } from "../access/server-admins.js";
import { recordActivity } from "../activity/activity-log.js";
import { type BlockedTerm, termWords, WordFilter } from "./word-filter.js";

/** Checks the texts people write against the blocked terms: masks them, or refuses the text. */
export interface TextFilter {
  /**
   * The text with masked terms as `***`; 422 BLOCKED_TERM when it holds a rejected term. Never
   * longer than `maxLength` (the field's limit) when the text was not: see `WordFilter.apply`.
   */
  filter(text: string, maxLength: number): Promise<string>;
}

export interface BlockedTermsServiceDeps {
  db: Kysely<Database>;
  clock: Clock;
  /**
   * How long a node uses the list it read before reading it again (ms): a change made on
   * another node applies here within this time; on this node at once.
   */
  refreshMs?: number;
}

/**
 * The server's blocked terms (server admins read and replace the list) and the filter every
 * text people write goes through. The compiled list is kept in memory and read again at most
 * every `refreshMs`, so a send pays for matching only, not for a query.
 */
export class BlockedTermsService implements TextFilter {
  private current: { filter: WordFilter; readAt: number } | null = null;
  private loading: Promise<WordFilter> | null = null;

  constructor(private readonly deps: BlockedTermsServiceDeps) {}

  async list(session: AuthSession): Promise<BlockedTerms> {
    await this.requireServerAdmin(session);
    return { terms: await this.read() };
  }

  /**
   * Replaces the whole list (an empty one turns filtering off). Terms with the same words
   * (after folding case and diacritics) twice, or without a letter or digit, are refused.
   * Logs `blocked_terms.updated` with the count; texts already stored are left as they are.
   */
  async replace(session: AuthSession, terms: readonly BlockedTerm[]): Promise<BlockedTerms> {
    await this.requireServerAdmin(session);
    const seen = new Set<string>();
    const rows = terms.map(({ term, mode }, position) => {
      const key = termWords(term).join(" ");
      const path = `terms.${position}.term`;
      if (key === "") throw invalid(path, "must hold a letter or digit");
      if (seen.has(key)) throw invalid(path, "is the same words as an earlier term");
      seen.add(key);
      return { term_key: key, term, mode, position };
    });
    const { db, clock } = this.deps;
    const now = clock.now();
    await db.transaction().execute(async (trx) => {
      await trx.deleteFrom("blocked_terms").execute();
      // In slices: one statement of 1,000 rows would pass SQLite's bound-parameter ceiling.
      for (let i = 0; i < rows.length; i += 200) {
        const slice = rows.slice(i, i + 200).map((row) => ({ ...row, created_at: toTimestamp(now) }));
        await trx.insertInto("blocked_terms").values(slice).execute();
      }
      const detail = { terms: rows.length, reject: terms.filter((t) => t.mode === "reject").length };
      await recordActivity(trx, { action: "blocked_terms.updated", actorId: session.userId, detail }, now);
    });
    this.current = null;
    return { terms: await this.read() };
  }

  async filter(text: string, maxLength: number): Promise<string> {
    return (await this.compiled()).apply(text, maxLength);
  }

  private async compiled(): Promise<WordFilter> {
    const refreshMs = this.deps.refreshMs ?? 2000;
    if (this.current && performance.now() - this.current.readAt < refreshMs) return this.current.filter;
    this.loading ??= this.read()
      .then((terms) => {
        const filter = new WordFilter(terms);
        this.current = { filter, readAt: performance.now() };
        return filter;
      })
      .finally(() => {
        this.loading = null;
      });
    return this.loading;
  }

  private async read(): Promise<BlockedTerm[]> {
    const rows = await this.deps.db.selectFrom("blocked_terms").select(["term", "mode"]).orderBy("position").execute();
    return rows.map((row) => ({ term: row.term, mode: row.mode === "mask" ? "mask" : "reject" }));
  }

  private async requireServerAdmin(session: AuthSession): Promise<void> {
    if (!(await isServerAdmin(this.deps.db, session.userId))) {
      throw new NatterError("FORBIDDEN", "Only server admins may do this");
    }
  }
}

function invalid(path: string, message: string): NatterError {
  return new NatterError("VALIDATION_FAILED", "Input validation failed", { issues: [{ path, message }] });
}
