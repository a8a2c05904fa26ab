import type { Database } from "@natter/db";
import { type Kysely, type RawBuilder, sql } from "kysely";
import type { SearchQuery } from "./search-query.js";

/** Who searches where, and the filters beside the query text. */
export interface SearchScope {
  /** The caller; null when anonymous (open rooms only). */
  userId: string | null;
  /** Only this room, already checked to be readable by the caller. */
  roomId?: string | undefined;
  authorId?: string | undefined;
  /** Only this thread: its first message and its replies. */
  threadId?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
  hasAttachments?: boolean | undefined;
}

/** A page of candidates to ask an engine for, newest first by the engine's key. */
export interface CandidateRequest {
  query: SearchQuery;
  scope: SearchScope;
  limit: number;
  /** Only keys below this one (the next page of a newest-first listing). */
  below?: string | undefined;
  /** Only keys up to this one (the matches there were when a ranked listing began). */
  upTo?: string | undefined;
  /** Whether to compute relevance (a newest-first listing does without). */
  rank: boolean;
}

/** A matching message: its engine key (insertion order), and its relevance (0 when unranked). */
export interface Candidate {
  key: string;
  id: string;
  createdAt: string;
  relevance: number;
}

/** One engine's way to find the newest matches of a query: SQLite FTS5 or PostgreSQL full-text search. */
export interface SearchCandidates {
  /** Whether a text is one of this engine's keys (a cursor's key is client input). */
  isKey(key: string): boolean;
  find(db: Kysely<Database>, request: CandidateRequest): Promise<Candidate[]>;
}

/** A condition that `m.room_id` is one of the ids `rooms` (a subquery) selects, as an engine plans it best. */
export type RoomIn = (rooms: RawBuilder<unknown>) => RawBuilder<unknown>;

/** `m.room_id in (…)`. */
export const roomInSubquery: RoomIn = (rooms) => sql`m.room_id in (${rooms})`;

/**
 * The conditions every search adds, the same on both engines: the caller may read the room
 * right now (an open room, or a room they are a member of), the message is not deleted, and
 * the filters hold. `m` is the messages table; `roomIn` says how the readable rooms are tested.
 */
export function scopeConditions(
  { userId, roomId, authorId, threadId, from, to, hasAttachments }: SearchScope,
  query: SearchQuery,
  roomIn: RoomIn = roomInSubquery,
) {
  const conditions: RawBuilder<unknown>[] = [sql`m.deleted_at is null`];
  if (roomId !== undefined) conditions.push(sql`m.room_id = ${roomId}`);
  else if (userId === null) conditions.push(roomIn(sql`select id from rooms where is_open = 1`));
  else {
    conditions.push(
      roomIn(
        sql`select id from rooms where is_open = 1 union all select room_id from room_members where user_id = ${userId}`,
      ),
    );
  }
  if (authorId !== undefined) conditions.push(sql`m.author_id = ${authorId}`);
  if (threadId !== undefined) conditions.push(sql`(m.thread_id = ${threadId} or m.id = ${threadId})`);
  if (from !== undefined) conditions.push(sql`m.created_at >= ${from}`);
  if (to !== undefined) conditions.push(sql`m.created_at < ${to}`);
  if (hasAttachments !== undefined) {
    const attached = sql`exists (select 1 from uploads where uploads.message_id = m.id)`;
    conditions.push(hasAttachments ? attached : sql`not ${attached}`);
  }
  if (query.authors.length > 0) {
    conditions.push(sql`m.author_id in (select id from users where username_key in (${sql.join(query.authors)}))`);
  }
  if (query.rooms.length > 0) {
    conditions.push(sql`m.room_id in (select id from rooms where lower(name) in (${sql.join(query.rooms)}))`);
  }
  return conditions;
}

/** `a and b and …`. */
export function allOf(conditions: readonly RawBuilder<unknown>[]) {
  return sql.join(conditions, sql` and `);
}
