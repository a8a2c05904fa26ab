/** The signed-in caller, as resolved from a bearer token. */
export interface AuthSession {
  sessionId: string;
  userId: string;
  username: string;
  /** Whether the user is a server admin, as of this check. */
  isAdmin: boolean;
  /** When the session expires unless it is used again (ms since the epoch), as of this check. */
  expiresAt: number;
}
