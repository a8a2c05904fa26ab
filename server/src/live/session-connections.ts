import type { Logger } from "pino";
import type { AuthSession } from "../auth/auth-session.js";
import type { Clock } from "../clock/clock.js";
import type { AccountsService } from "../services/accounts/accounts-service.js";

/** How long to wait before asking again when the database could not say whether a session lives. */
const RECHECK_AFTER_FAILURE_MS = 1_000;

/** A live connection that must end with the session it was opened with: a WebSocket, an event stream. */
export interface SessionBoundConnection {
  /** Whether it has ended already (its end listeners have run). */
  readonly ended: boolean;
  /** Calls `listener` once, when the connection ends for whatever reason. */
  onEnd(listener: () => void): void;
  /** Ends the connection, telling the peer that its session has ended. */
  endSession(): void;
}

interface SessionEntry {
  connections: Set<SessionBoundConnection>;
  /** Cancels the check due at the session's expiry. */
  cancelCheck: () => void;
}

export interface SessionConnectionsDeps {
  accounts: AccountsService;
  clock: Clock;
  logger: Logger;
}

/**
 * The open live connections of each signed-in session, over every transport, so that a
 * session that ends ends them: at once when it is revoked (logout, password change), and at
 * its expiry instant when it expires. One timer per session with open connections is due at
 * the expiry last known; when it fires the database is asked again, because uses of the
 * token elsewhere slide the idle expiry: a session that slid is checked again at its new
 * expiry. A connection does not keep its session alive.
 */
export class SessionConnections {
  private readonly sessions = new Map<string, SessionEntry>();

  constructor(private readonly deps: SessionConnectionsDeps) {}

  /** Watches `connection` for as long as it is open. */
  track(session: AuthSession, connection: SessionBoundConnection): void {
    // Ended while its session was being resolved: its end has passed.
    if (connection.ended) return;
    const { sessionId } = session;
    let entry = this.sessions.get(sessionId);
    if (!entry) {
      const created: SessionEntry = { connections: new Set(), cancelCheck: () => {} };
      this.sessions.set(sessionId, created);
      this.checkAt(sessionId, created, session.expiresAt);
      entry = created;
    }
    const current = entry;
    current.connections.add(connection);
    connection.onEnd(() => {
      current.connections.delete(connection);
      if (current.connections.size > 0 || this.sessions.get(sessionId) !== current) return;
      current.cancelCheck();
      this.sessions.delete(sessionId);
    });
  }

  /** Ends every connection of these sessions. */
  close(sessionIds: readonly string[]): void {
    for (const sessionId of sessionIds) {
      for (const connection of this.sessions.get(sessionId)?.connections ?? []) connection.endSession();
    }
  }

  /** Stops every pending expiry check (the connections are being closed by the server). */
  stop(): void {
    for (const entry of this.sessions.values()) entry.cancelCheck();
    this.sessions.clear();
  }

  private checkAt(sessionId: string, entry: SessionEntry, instant: number): void {
    entry.cancelCheck = this.deps.clock.schedule(instant, () => void this.check(sessionId, entry));
  }

  /** At the expiry last known: ends the connections, unless the session slid meanwhile. */
  private async check(sessionId: string, entry: SessionEntry): Promise<void> {
    let expiresAt: number | null;
    try {
      expiresAt = await this.deps.accounts.sessionExpiry(sessionId);
    } catch (error) {
      this.deps.logger.error({ err: error }, "live connection session expiry check failed");
      expiresAt = this.deps.clock.now() + RECHECK_AFTER_FAILURE_MS;
    }
    if (this.sessions.get(sessionId) !== entry) return;
    if (expiresAt === null) this.close([sessionId]);
    else this.checkAt(sessionId, entry, expiresAt);
  }
}
