import type { Database } from "../schema/database.js";

/**
 * Every table `natter copy` copies, ranked so that a table comes after those its foreign
 * keys point at. Keyed by the tables of `Database`: a new table does not compile until it has
 * its place here.
 */
const RANK: Record<keyof Database, number> = {
  users: 1,
  sessions: 2,
  rooms: 3,
  room_members: 4,
  room_events: 5,
  messages: 6,
  blobs: 7,
  uploads: 8,
  activity_log: 9,
  stat_counters: 10,
  event_stream_tickets: 11,
  message_reactions: 12,
  thread_participants: 13,
  message_mentions: 21,
  user_blocks: 22,
  webhooks: 23,
  webhook_deliveries: 23.5,
  api_keys: 23.6,
  incoming_webhooks: 23.7,
  room_mutes: 24,
  message_reports: 25,
  inbox_heads: 26,
  inbox_events: 27,
  inbox_stream_tickets: 28,
  blocked_terms: 29,
  reserved_usernames: 30,
};

/** The tables in foreign-key order: insert in this order, delete in the reverse. */
export const TABLES_IN_FOREIGN_KEY_ORDER = (Object.keys(RANK) as (keyof Database)[]).sort((a, b) => RANK[a] - RANK[b]);
