/**
 * The database's tables as Kysely sees them. Timestamps are ISO-8601 UTC strings with
 * milliseconds: fixed width, so they sort and compare as text on SQLite and PostgreSQL alike.
 */
export interface Database {
  users: UsersTable;
  sessions: SessionsTable;
}

export interface UsersTable {
  id: string;
  username: string;
  /** The username lower-cased: what uniqueness and log-in look up. */
  username_key: string;
  password_hash: string;
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
}
