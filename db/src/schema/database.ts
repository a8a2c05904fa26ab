import type { Generated } from "kysely";

/**
 * The database's tables as Kysely sees them. Timestamps are ISO-8601 UTC strings with
 * milliseconds: fixed width, so they sort and compare as text on SQLite and PostgreSQL alike.
 */
export interface Database {
  users: UsersTable;
  sessions: SessionsTable;
  rooms: RoomsTable;
  room_members: RoomMembersTable;
  room_mutes: RoomMutesTable;
  message_reports: MessageReportsTable;
  blocked_terms: BlockedTermsTable;
  room_events: RoomEventsTable;
  activity_log: ActivityLogTable;
  messages: MessagesTable;
  blobs: BlobsTable;
  uploads: UploadsTable;
  stat_counters: StatCountersTable;
  event_stream_tickets: EventStreamTicketsTable;
  message_reactions: MessageReactionsTable;
  thread_participants: ThreadParticipantsTable;
  message_mentions: MessageMentionsTable;
  user_blocks: UserBlocksTable;
  webhooks: WebhooksTable;
  webhook_deliveries: WebhookDeliveriesTable;
  api_keys: ApiKeysTable;
  incoming_webhooks: IncomingWebhooksTable;
  inbox_heads: InboxHeadsTable;
  inbox_events: InboxEventsTable;
  inbox_stream_tickets: InboxStreamTicketsTable;
  server_keys: ServerKeysTable;
  push_subscriptions: PushSubscriptionsTable;
  push_deliveries: PushDeliveriesTable;
  reserved_usernames: ReservedUsernamesTable;
}

/** Named counters kept in step with the rows they count, such as `messages` or `messages@2026-01-02T03`. */
export interface StatCountersTable {
  name: string;
  /** A bigint column: PostgreSQL's driver may hand it back as a string. */
  value: number | string;
}

export interface UsersTable {
  id: string;
  username: string;
  /** The username lower-cased: what uniqueness and log-in look up. */
  username_key: string;
  /**
   * What the username looks like (`usernameSkeleton`): unique too, so that no two usernames
   * can be taken for one another. Null only for a user whose look-alike was there before
   * skeletons were kept (migration 0026).
   */
  username_skeleton: string | null;
  password_hash: string;
  created_at: string;
  display_name: string | null;
  /** The display name lower-cased: what prefix search looks up. */
  display_name_key: string | null;
  bio: string | null;
  /** 1 for a server admin, 0 otherwise; granted only from the command line. */
  is_admin: Generated<number>;
  /** 1 for a bot account (it acts only through API keys), 0 for a person. */
  is_bot: Generated<number>;
  /** When the user was banned; null while they are not. */
  banned_at: string | null;
  /** The last time one of the user's sessions was used (at most a minute stale). */
  last_active_at: string | null;
  /** The upload shown as the user's avatar. */
  avatar_upload_id: Generated<string | null>;
  /** 1 while others may see how far the user has read (receipts), 0 once they turned it off. */
  share_read_receipts: Generated<number>;
  /** Who may open a new direct room with the user: `everyone` or `none`. */
  direct_messages: Generated<"everyone" | "none">;
  /** When the account was deleted (the row stays as its messages' "deleted user"); null while it lives. */
  deleted_at: Generated<string | null>;
}

/** A deleted person's username, kept from sign-up (with its look-alikes) until `reserved_until`. */
export interface ReservedUsernamesTable {
  username_key: string;
  username_skeleton: string;
  reserved_until: string;
}

/** `blocker_id` has blocked `blocked_id`. */
export interface UserBlocksTable {
  blocker_id: string;
  blocked_id: string;
  created_at: string;
}

export interface SessionsTable {
  id: string;
  user_id: string;
  /** SHA-256 of the bearer token, hex; the token itself is never stored. */
  token_hash: string;
  created_at: string;
  last_used_at: string;
  idle_expires_at: string;
  absolute_expires_at: string;
  /** The User-Agent the session was opened with, cut to a bounded length. */
  user_agent: string | null;
}

export interface RoomsTable {
  id: string;
  name: string;
  /** 1 for open, 0 for closed: integers read the same on every engine. */
  is_open: number;
  member_count: number;
  /** The seq of the room's newest event; the next event takes `last_seq + 1`. */
  last_seq: number;
  created_at: string;
  kind: Generated<"room" | "direct">;
  /** For a direct room, its two members' ids in order, joined by a space; null otherwise. */
  direct_key: Generated<string | null>;
  /** The least time, in seconds, between two messages of one member (not admins); 0 for none. */
  slow_mode_seconds: Generated<number>;
  /**
   * Changes (to a random number) with the room's members and roles and its webhook endpoints, by
   * triggers: what a node keeps in memory of the room is used only at the version it was read at.
   */
  cache_version: Generated<number>;
}

export interface RoomMembersTable {
  room_id: string;
  user_id: string;
  role: "owner" | "admin" | "member";
  joined_at: string;
  /** The member's read cursor: the seq up to which they have read. Only moves forward. */
  read_seq: number;
  /** When the read cursor last moved; null until it first does. */
  read_at: Generated<string | null>;
  /** When the member last sent a message here (for slow mode); null before their first. */
  last_sent_at: Generated<string | null>;
}

/** A member who may read a room but not send to it, until `until` (null: until lifted). */
export interface RoomMutesTable {
  room_id: string;
  user_id: string;
  until: string | null;
  reason: string | null;
  muted_by: string | null;
  created_at: string;
}

/** A reader's report of a message, open until a room admin or a server admin resolves it. */
export interface MessageReportsTable {
  id: string;
  room_id: string;
  message_id: string;
  /** Null once the reporter's account is gone. */
  reporter_id: string | null;
  reason: string;
  note: string | null;
  status: "open" | "resolved";
  action: string | null;
  resolved_by: string | null;
  resolved_at: string | null;
  created_at: string;
}

/** A term server admins block in what people write (migration 0028). */
export interface BlockedTermsTable {
  /** The term's words folded (no case, no diacritics), space-separated: one row per term. */
  term_key: string;
  term: string;
  mode: string;
  position: number;
  created_at: string;
}

export interface RoomEventsTable {
  room_id: string;
  seq: number;
  type: string;
  actor_id: string | null;
  /** The event's JSON, exactly as it is streamed. */
  payload: string;
  created_at: string;
  /** The message a `message.*` event is about; null for other events. */
  message_id: string | null;
}

export interface ActivityLogTable {
  id: string;
  room_id: string | null;
  actor_id: string | null;
  action: string;
  subject_id: string | null;
  detail: string | null;
  created_at: string;
}

export interface MessagesTable {
  id: string;
  room_id: string;
  seq: number;
  author_id: string;
  /** Null once the message is deleted. */
  body: string | null;
  reply_to_id: string | null;
  client_message_id: string | null;
  created_at: string;
  edited_at: string | null;
  deleted_at: string | null;
  /** The root of the thread this message replies in; null for a top-level message. */
  thread_id: Generated<string | null>;
  /** 1 for a thread reply also shown in the room's history. */
  also_in_room: Generated<number>;
  /** A thread root's replies that are not deleted. */
  thread_reply_count: Generated<number>;
  thread_last_reply_at: Generated<string | null>;
  /** JSON array of the ids of the thread's most recent distinct repliers, newest first. */
  thread_participant_ids: Generated<string | null>;
  /** JSON array of `{ emoji, count }` in first-use order; null when there are none. */
  reactions: Generated<string | null>;
  pinned_at: Generated<string | null>;
  pinned_by: Generated<string | null>;
  /** The resolved mentions as JSON (`[{ userId, username }]`). */
  mentions: Generated<string>;
  /** 1 when the message mentions every member (`@room` by an owner or admin). */
  mentions_room: Generated<number>;
}

/** One user's reaction with one emoji to one message. */
export interface MessageReactionsTable {
  message_id: string;
  emoji: string;
  user_id: string;
  room_id: string;
  created_at: string;
  /** The room seq of the `reaction.added` event that made it: who reacted is listed in this order. */
  seq: Generated<number>;
}

/** A user who started or replied in a thread: what `GET /me/threads` lists. */
export interface ThreadParticipantsTable {
  user_id: string;
  root_id: string;
  room_id: string;
}

/**
 * One row per user a message mentions and notifies (by name or `@room`, never its author,
 * never someone who blocked the author): what `/me/mentions` and unread mention counts read.
 */
export interface MessageMentionsTable {
  user_id: string;
  message_id: string;
  room_id: string;
  /** The message's seq, to count the mentions after a read cursor. */
  seq: number;
}

/** Stored bytes, once per content: the key in the blob store is the SHA-256. */
export interface BlobsTable {
  /** SHA-256 of the bytes, hex. */
  sha256: string;
  size: number;
  /** Uploads using these bytes; at 0 the row and the bytes go. */
  ref_count: number;
}

export interface UploadsTable {
  id: string;
  owner_id: string;
  sha256: string;
  /** Sniffed from the bytes, never taken from the request. */
  content_type: string;
  size: number;
  width: number;
  height: number;
  /** The file name the uploader gave, sanitised; null if none. */
  filename: string | null;
  created_at: string;
  /** The message it is attached to; null until then (and after its room is deleted). */
  message_id: string | null;
  /** The room of that message, for read access without a join. */
  room_id: string | null;
  /** Its place among the message's attachments. */
  position: number | null;
}

/** A single-use ticket to open one room's event stream without a bearer header. */
export interface EventStreamTicketsTable {
  /** SHA-256 of the ticket, hex; the ticket itself is never stored. */
  ticket_hash: string;
  /** The session the ticket acts for: ending it ends the ticket too. */
  session_id: string;
  room_id: string;
  expires_at: string;
}

/** An endpoint that outgoing webhooks are delivered to. */
export interface WebhooksTable {
  id: string;
  url: string;
  /** The event types it receives, as a JSON array. */
  events: string;
  /** The room it is scoped to; null for a server-wide endpoint (admins only). */
  room_id: string | null;
  created_by: string | null;
  /** `whsec_…`: kept as is, since every delivery is signed with it. */
  secret: string;
  /** The secret before the last rotation: it signs beside the new one until it expires. */
  previous_secret: string | null;
  previous_secret_expires_at: string | null;
  /** 1 while deliveries are sent; 0 once disabled (by an admin, a 410, or three days of failures). */
  enabled: number;
  disabled_reason: string | null;
  /** When the failures still going on began; null while the endpoint answers. */
  failing_since: string | null;
  created_at: string;
  updated_at: string;
}

/** The outbox: one event to one endpoint, written with the event, sent (and retried) by a worker. */
export interface WebhookDeliveriesTable {
  /** Sent as `webhook-id` (`msg_` + this): the same on every attempt, so receivers deduplicate. */
  id: string;
  webhook_id: string;
  /** The room and seq of a room event: one room's deliveries to one endpoint go in seq order. */
  room_id: string | null;
  seq: number | null;
  event_type: string;
  /** The body, exactly as it is signed and sent. */
  payload: string;
  status: "pending" | "delivered" | "failed";
  attempts: number;
  next_attempt_at: string;
  /** The node sending it now, until `claimed_until`; after that any node may claim it again. */
  claimed_by: string | null;
  claimed_until: string | null;
  last_attempt_at: string | null;
  last_status_code: number | null;
  last_duration_ms: number | null;
  last_error: string | null;
  /** At most 1 KB of the last response's body. */
  last_response: string | null;
  created_at: string;
  /** When it was delivered or given up. */
  finished_at: string | null;
}

/** A bot's API key: only the SHA-256 of the key is kept. */
export interface ApiKeysTable {
  id: string;
  user_id: string;
  name: string;
  /** The key's first characters, shown to tell keys apart. */
  prefix: string;
  /** SHA-256 of the key, hex. */
  key_hash: string;
  /** The scopes it holds, as a JSON array. */
  scopes: string;
  created_by: string | null;
  created_at: string;
  /** Null: it never expires. */
  expires_at: string | null;
  last_used_at: string | null;
}

/** A URL that posts into a room as a bot: only the SHA-256 of its secret is kept. */
export interface IncomingWebhooksTable {
  id: string;
  room_id: string;
  name: string;
  bot_user_id: string;
  /** SHA-256 of the secret, hex. */
  secret_hash: string;
  created_by: string | null;
  created_at: string;
}
/** A user's newest inbox seq: the row the next entry's seq is taken from. */
export interface InboxHeadsTable {
  user_id: string;
  last_seq: number;
}

/** One entry of a user's inbox log, as JSON (`InboxEvent`). */
export interface InboxEventsTable {
  user_id: string;
  seq: number;
  type: string;
  payload: string;
  created_at: string;
}

/** A single-use ticket that opens the caller's inbox stream (`GET /me/events?ticket=`). */
export interface InboxStreamTicketsTable {
  /** SHA-256 of the ticket, hex; the ticket itself is never stored. */
  ticket_hash: string;
  session_id: string;
  expires_at: string;
}

/** Keys the server made for itself once, shared by every node (the VAPID key pair). */
export interface ServerKeysTable {
  name: string;
  value: string;
  created_at: string;
}

/** A browser's Web Push subscription: where to send, and the keys to encrypt for it. */
export interface PushSubscriptionsTable {
  id: string;
  user_id: string;
  /** The push service's URL for this browser: unique, a browser has one per server key. */
  endpoint: string;
  /** The browser's P-256 public key and auth secret, base64url. */
  p256dh: string;
  auth: string;
  created_at: string;
  updated_at: string;
}

/** The push outbox: one notification to one subscription, written with its message, sent by a worker. */
export interface PushDeliveriesTable {
  id: string;
  subscription_id: string;
  user_id: string;
  room_id: string;
  message_id: string;
  /** The notification's JSON, encrypted for the subscription at each attempt. */
  payload: string;
  /** `skipped`: the user was connected when its turn came. */
  status: "pending" | "delivered" | "skipped" | "failed";
  attempts: number;
  next_attempt_at: string;
  /** The node sending it now, until `claimed_until`; after that any node may claim it again. */
  claimed_by: string | null;
  claimed_until: string | null;
  last_status_code: number | null;
  last_error: string | null;
  created_at: string;
  /** When it was delivered, skipped or given up. */
  finished_at: string | null;
}
