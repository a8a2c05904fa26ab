import type { ApiKeyScope } from "@natter/shared";

/** The signed-in caller, as resolved from a bearer token (a session token or an API key). */
export interface AuthSession {
  /** The session's id; for an API key, the key's id (its revocation ends it as a log-out ends a session). */
  sessionId: string;
  userId: string;
  username: string;
  /** Whether the user is a server admin, as of this check. */
  isAdmin: boolean;
  /** When the session expires unless it is used again (ms since the epoch), as of this check. */
  expiresAt: number;
  /**
   * Set only when the caller used an API key: the scopes it holds. Such a caller may call only
   * procedures that declare one of these scopes (`ProcedureMeta.scope`).
   */
  scopes?: readonly ApiKeyScope[];
  /** Whether the user is a bot (their sends count against the bots' rate limit). */
  isBot?: boolean;
}
