import type { Database, DatabaseEngine } from "@natter/db";
import { LIMITS, type SearchMessagesInput, type SearchMessagesResult } from "@natter/shared";
import type { Kysely } from "kysely";
import type { AuthSession } from "../../auth/auth-session.js";
import type { Clock } from "../../clock/clock.js";
import { readableRoom } from "../access/room-access.js";
import { messagesSeenBy } from "../message-rows/message-rows.js";
import { postgresSearchCandidates } from "./postgres-search-candidates.js";
import type { Candidate, CandidateRequest, SearchCandidates } from "./search-candidates.js";
import { decodeSearchCursor, encodeSearchCursor } from "./search-cursor.js";
import { highlightsOf } from "./search-highlights.js";
import { parseSearchQuery } from "./search-query.js";
import { rankCandidates } from "./search-ranking.js";
import { sqliteSearchCandidates } from "./sqlite-search-candidates.js";

export interface SearchServiceDeps {
  db: Kysely<Database>;
  engine: DatabaseEngine;
  clock: Clock;
}

/** A page of candidates and where the next page starts. */
interface CandidatePage {
  page: Candidate[];
  nextCursor: string | null;
}

/**
 * Message search: only what the caller may read right now (open rooms, and closed rooms they
 * are a member of; anonymous callers open rooms only), never deleted messages, always the
 * current text of edited ones (the indexes change in the transaction that changes a body).
 */
export class SearchService {
  private readonly candidates: SearchCandidates;

  constructor(private readonly deps: SearchServiceDeps) {
    this.candidates = deps.engine === "postgres" ? postgresSearchCandidates : sqliteSearchCandidates;
  }

  /** A page of messages matching the query, ranked or newest first, with the ranges that matched. */
  async messages(session: AuthSession | null, input: SearchMessagesInput): Promise<SearchMessagesResult> {
    const { db } = this.deps;
    const query = parseSearchQuery(input.q);
    const cursor =
      input.cursor === undefined
        ? undefined
        : decodeSearchCursor(input.cursor, input.sort, (key) => this.candidates.isKey(key));
    if (input.roomId !== undefined) await readableRoom(db, input.roomId, session);
    const request: CandidateRequest = {
      query,
      scope: {
        userId: session?.userId ?? null,
        roomId: input.roomId,
        authorId: input.authorId,
        threadId: input.threadId,
        from: input.from,
        to: input.to,
        hasAttachments: input.hasAttachments,
      },
      limit: input.limit,
      rank: input.sort === "relevance",
    };
    const { page, nextCursor } =
      input.sort === "recent"
        ? await this.newestFirst(request, cursor?.sort === "recent" ? cursor.below : undefined)
        : await this.ranked(request, cursor?.sort === "relevance" ? cursor : undefined);
    const rows = page.length
      ? await db
          .selectFrom("messages")
          .selectAll()
          .where(
            "id",
            "in",
            page.map((candidate) => candidate.id),
          )
          .execute()
      : [];
    const seen = await messagesSeenBy(db, rows, session?.userId ?? null);
    const byId = new Map(seen.map((message) => [message.id, message]));
    const results = page.flatMap(({ id }) => {
      const message = byId.get(id);
      // Deleted between the two reads (a retention sweep): left out.
      if (!message || message.body === null) return [];
      return [{ message, roomId: message.roomId, highlights: highlightsOf(message.body, query) }];
    });
    return { results, nextCursor };
  }

  private async newestFirst(request: CandidateRequest, below: string | undefined): Promise<CandidatePage> {
    const found = await this.candidates.find(this.deps.db, { ...request, below, limit: request.limit + 1 });
    const page = found.slice(0, request.limit);
    const last = page.at(-1);
    return {
      page,
      nextCursor: found.length > request.limit && last ? encodeSearchCursor({ sort: "recent", below: last.key }) : null,
    };
  }

  /**
   * Ranks the newest `LIMITS.searchRankedMax` matches: bm25 and ts_rank_cd cost a little per
   * match, so bounding the matches ranked bounds the cost of a query for a common word.
   */
  private async ranked(
    request: CandidateRequest,
    cursor: { upTo: string; offset: number } | undefined,
  ): Promise<CandidatePage> {
    const found = await this.candidates.find(this.deps.db, {
      ...request,
      upTo: cursor?.upTo,
      limit: LIMITS.searchRankedMax,
    });
    const offset = cursor?.offset ?? 0;
    const ranked = rankCandidates(found, this.deps.clock.now());
    const page = ranked.slice(offset, offset + request.limit);
    const upTo = cursor?.upTo ?? found[0]?.key;
    const next = offset + request.limit;
    return {
      page,
      nextCursor:
        ranked.length > next && upTo !== undefined
          ? encodeSearchCursor({ sort: "relevance", upTo, offset: next })
          : null,
    };
  }
}
