import type { AuthSession } from "../auth/auth-session.js";
import type { AccountsService } from "../services/accounts/accounts-service.js";
import type { SharedSubscriptionSlots } from "../trpc/context.js";
import type { ConnectionCeilings, Release } from "./connection-ceilings.js";
import type { SessionBoundConnection, SessionConnections } from "./session-connections.js";

/** Why a live connection is refused; each transport says it its own way (a close code, a status). */
export interface LiveRefusal {
  /** `tooManyConnections`: a ceiling is full (429, 4429); `sessionEnded`: the session ended meanwhile (401, 4401). */
  refused: "tooManyConnections" | "sessionEnded";
  /** What the client is told. */
  message: string;
}

export interface LiveAdmissionDeps {
  ceilings: ConnectionCeilings;
  /** Where signed-in connections are tracked, so that they end when their session ends. */
  sessionConnections: SessionConnections;
  accounts: Pick<AccountsService, "sessionExpiry">;
}

/**
 * The one admission of a live connection, whatever carries it (a WebSocket, an event stream,
 * a tRPC subscription over Server-Sent Events): a slot of its client address, and, signed in,
 * one of its account, each given back when the connection ends; the connection bound to its
 * session, so that it ends when the session does (at once when revoked, at its expiry
 * instant); and the session asked for again once bound, so that a log-out that landed while
 * the caller was being resolved (published before the connection was tracked) leaves no gap.
 * The transports only turn a refusal into their wire's words.
 */
export class LiveAdmission {
  constructor(private readonly deps: LiveAdmissionDeps) {}

  /**
   * Takes one of `address`'s connection slots (a WebSocket's as it is upgraded, a stream's as
   * it starts): its release, or the refusal.
   */
  admitAddress(address: string): Release | LiveRefusal {
    const release = this.deps.ceilings.admitAddress(address);
    if (release) return release;
    const { maxConnectionsPerAddress } = this.deps.ceilings.policy;
    return {
      refused: "tooManyConnections",
      message: `One address may hold at most ${maxConnectionsPerAddress} live connections`,
    };
  }

  /**
   * Admits `connection` as one of `session`'s: takes a slot of its account (given back when the
   * connection ends), binds it to the session, then asks whether the session still lives.
   * Answers undefined when admitted, else why not; a refused connection is for its transport
   * to end (which gives back what was taken).
   */
  async admitSession(session: AuthSession, connection: SessionBoundConnection): Promise<LiveRefusal | undefined> {
    const release = await this.deps.ceilings.admitAccount(session.userId);
    if (!release) {
      const { maxConnectionsPerAccount } = this.deps.ceilings.policy;
      return {
        refused: "tooManyConnections",
        message: `An account may hold at most ${maxConnectionsPerAccount} live connections (WebSockets and event streams); close one first`,
      };
    }
    // Ended while the account was being counted: its end has passed, and with it its release.
    if (connection.ended) {
      release();
      return { refused: "sessionEnded", message: "The connection ended" };
    }
    connection.onEnd(release);
    this.deps.sessionConnections.track(session, connection);
    if ((await this.deps.accounts.sessionExpiry(session.sessionId)) === null) {
      return { refused: "sessionEnded", message: "The session has ended: sign in again" };
    }
    return undefined;
  }

  /** The subscription slots a connection shares: its account's, or, anonymous, its address's. */
  subscriptionsOf(userId: string | undefined, address: string): SharedSubscriptionSlots {
    return this.deps.ceilings.subscriptionsOf(userId, address);
  }
}
