import { WS_CLOSE_CODES } from "@natter/shared";
import type { Logger } from "pino";
import { WebSocket } from "ws";
import type { AuthSession } from "../auth/auth-session.js";
import type { Clock } from "../clock/clock.js";
import type { AccountsService } from "../services/accounts-service.js";

/** How long to wait before asking again when the database could not say whether a session lives. */
const RECHECK_AFTER_FAILURE_MS = 1_000;

interface SessionEntry {
  sockets: Set<WebSocket>;
  /** Cancels the check due at the session's expiry. */
  cancelCheck: () => void;
}

export interface SessionSocketsDeps {
  accounts: AccountsService;
  clock: Clock;
  logger: Logger;
}

/**
 * The open WebSockets of each signed-in session, so that a session that ends closes its
 * sockets: at once when it is revoked (logout, password change), and at its expiry instant
 * when it expires. One timer per session with open sockets is due at the expiry last known;
 * when it fires the database is asked again, because uses of the token elsewhere slide the
 * idle expiry: a session that slid is checked again at its new expiry. A socket does not keep
 * its session alive.
 */
export class SessionSockets {
  private readonly sessions = new Map<string, SessionEntry>();

  constructor(private readonly deps: SessionSocketsDeps) {}

  /** Watches `socket` for as long as it is open. */
  track(session: AuthSession, socket: WebSocket): void {
    // Closed while its session was being resolved: its close event has passed.
    if (socket.readyState === WebSocket.CLOSED) return;
    const { sessionId } = session;
    let entry = this.sessions.get(sessionId);
    if (!entry) {
      const created: SessionEntry = { sockets: new Set(), cancelCheck: () => {} };
      this.sessions.set(sessionId, created);
      this.checkAt(sessionId, created, session.expiresAt);
      entry = created;
    }
    const current = entry;
    current.sockets.add(socket);
    socket.once("close", () => {
      current.sockets.delete(socket);
      if (current.sockets.size > 0 || this.sessions.get(sessionId) !== current) return;
      current.cancelCheck();
      this.sessions.delete(sessionId);
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

  /** Stops every pending expiry check (the sockets are being closed by the server). */
  stop(): void {
    for (const entry of this.sessions.values()) entry.cancelCheck();
    this.sessions.clear();
  }

  private checkAt(sessionId: string, entry: SessionEntry, instant: number): void {
    entry.cancelCheck = this.deps.clock.schedule(instant, () => void this.check(sessionId, entry));
  }

  /** At the expiry last known: closes the sockets, unless the session slid meanwhile. */
  private async check(sessionId: string, entry: SessionEntry): Promise<void> {
    let expiresAt: number | null;
    try {
      expiresAt = await this.deps.accounts.sessionExpiry(sessionId);
    } catch (error) {
      this.deps.logger.error({ err: error }, "websocket session expiry check failed");
      expiresAt = this.deps.clock.now() + RECHECK_AFTER_FAILURE_MS;
    }
    if (this.sessions.get(sessionId) !== entry) return;
    if (expiresAt === null) this.close([sessionId]);
    else this.checkAt(sessionId, entry, expiresAt);
  }
}
