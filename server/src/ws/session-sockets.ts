import { WS_CLOSE_CODES } from "@natter/shared";
import type { Logger } from "pino";
import { WebSocket } from "ws";
import type { AuthSession } from "../auth/auth-session.js";
import type { Clock } from "../clock/clock.js";
import type { AccountsService } from "../services/accounts-service.js";

interface SessionEntry {
  /** The latest expiry known for the session; it may slide further through use elsewhere. */
  expiresAt: number;
  sockets: Set<WebSocket>;
}

export interface SessionSocketsDeps {
  accounts: AccountsService;
  clock: Clock;
  logger: Logger;
}

/**
 * The open WebSockets of each signed-in session, so that a session that ends closes its
 * sockets: at once when it is revoked (logout, password change), and at the next `sweep`
 * after it expires. A socket does not keep its session alive; only uses of the token slide
 * its expiry, and a sweep asks the database before closing, so such a slide is respected.
 */
export class SessionSockets {
  private readonly sessions = new Map<string, SessionEntry>();
  private sweeping = false;

  constructor(private readonly deps: SessionSocketsDeps) {}

  /** Watches `socket` for as long as it is open. */
  track(session: AuthSession, socket: WebSocket): void {
    // Closed while its session was being resolved: its close event has passed.
    if (socket.readyState === WebSocket.CLOSED) return;
    let entry = this.sessions.get(session.sessionId);
    if (!entry) {
      entry = { expiresAt: session.expiresAt, sockets: new Set() };
      this.sessions.set(session.sessionId, entry);
    }
    entry.expiresAt = Math.max(entry.expiresAt, session.expiresAt);
    const { sockets } = entry;
    sockets.add(socket);
    socket.once("close", () => {
      sockets.delete(socket);
      if (sockets.size === 0 && this.sessions.get(session.sessionId) === entry) this.sessions.delete(session.sessionId);
    });
  }

  /** Closes every socket of these sessions. */
  close(sessionIds: readonly string[]): void {
    for (const sessionId of sessionIds) {
      for (const socket of this.sessions.get(sessionId)?.sockets ?? []) {
        socket.close(WS_CLOSE_CODES.sessionEnded, "session ended");
      }
    }
  }

  /** Closes the sockets of sessions whose expiry has passed, unless it slid meanwhile. */
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
      this.deps.logger.error({ err: error }, "websocket session sweep failed");
    } finally {
      this.sweeping = false;
    }
  }
}
