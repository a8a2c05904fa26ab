import type { Logger } from "pino";
import type { AuthSession } from "../auth/auth-session.js";
import type { Clock } from "../clock/clock.js";
import type { AccountsService } from "../services/accounts-service.js";

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
  /** The latest expiry known for the session; it may slide further through use elsewhere. */
  expiresAt: number;
  connections: Set<SessionBoundConnection>;
}

export interface SessionConnectionsDeps {
  accounts: AccountsService;
  clock: Clock;
  logger: Logger;
}

/**
 * The open live connections of each signed-in session, over every transport, so that a
 * session that ends ends them: at once when it is revoked (logout, password change), and at
 * the next `sweep` after it expires. A connection does not keep its session alive; only uses
 * of the token slide its expiry, and a sweep asks the database before ending, so such a slide
 * is respected.
 */
export class SessionConnections {
  private readonly sessions = new Map<string, SessionEntry>();
  private sweeping = false;

  constructor(private readonly deps: SessionConnectionsDeps) {}

  /** Watches `connection` for as long as it is open. */
  track(session: AuthSession, connection: SessionBoundConnection): void {
    // Ended while its session was being resolved: its end has passed.
    if (connection.ended) return;
    let entry = this.sessions.get(session.sessionId);
    if (!entry) {
      entry = { expiresAt: session.expiresAt, connections: new Set() };
      this.sessions.set(session.sessionId, entry);
    }
    entry.expiresAt = Math.max(entry.expiresAt, session.expiresAt);
    const { connections } = entry;
    connections.add(connection);
    connection.onEnd(() => {
      connections.delete(connection);
      if (connections.size === 0 && this.sessions.get(session.sessionId) === entry) {
        this.sessions.delete(session.sessionId);
      }
    });
  }

  /** Ends every connection of these sessions. */
  close(sessionIds: readonly string[]): void {
    for (const sessionId of sessionIds) {
      for (const connection of this.sessions.get(sessionId)?.connections ?? []) connection.endSession();
    }
  }

  /** Ends the connections of sessions whose expiry has passed, unless it slid meanwhile. */
  async sweep(): Promise<void> {
    if (this.sweeping) return;
    this.sweeping = true;
    try {
      const now = this.deps.clock.now();
      for (const [sessionId, entry] of this.sessions) {
        if (entry.expiresAt > now) continue;
        const expiresAt = await this.deps.accounts.sessionExpiry(sessionId);
        if (expiresAt === null) this.close([sessionId]);
        else entry.expiresAt = expiresAt;
      }
    } catch (error) {
      this.deps.logger.error({ err: error }, "live connection session sweep failed");
    } finally {
      this.sweeping = false;
    }
  }
}
