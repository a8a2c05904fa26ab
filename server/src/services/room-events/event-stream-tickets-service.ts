import type { Database } from "@natter/db";
import type { EventStreamTicket, InboxStreamTicket } from "@natter/shared";
import type { Kysely } from "kysely";
import type { AuthSession } from "../../auth/auth-session.js";
import { generateEventStreamTicket, hashSessionToken } from "../../auth/session-token.js";
import { type Clock, toTimestamp } from "../../clock/clock.js";
import { readableRoom } from "../access/room-access.js";
import type { AccountsService } from "../accounts/accounts-service.js";

export interface EventStreamTicketsServiceDeps {
  db: Kysely<Database>;
  clock: Clock;
  accounts: AccountsService;
  /** How long a ticket may wait to be redeemed. */
  ttlSeconds: number;
}

/**
 * Single-use tickets that open one room's event stream for a session, for clients that
 * cannot send an Authorization header (browsers' EventSource) and must never put the
 * long-lived token in a URL. Kept in the database, hashed, so that any node redeems them.
 */
export class EventStreamTicketsService {
  constructor(private readonly deps: EventStreamTicketsServiceDeps) {}

  /** A ticket for the caller's session and this room; the caller must be able to read the room. */
  async issue(session: AuthSession, roomId: string): Promise<EventStreamTicket> {
    const { db, clock, ttlSeconds } = this.deps;
    await readableRoom(db, roomId, session);
    const now = clock.now();
    const expiresAt = toTimestamp(now + ttlSeconds * 1000);
    const ticket = generateEventStreamTicket();
    // Expired tickets go as new ones come: the table holds what is redeemable, not what ever was.
    await db.deleteFrom("event_stream_tickets").where("expires_at", "<=", toTimestamp(now)).execute();
    await db
      .insertInto("event_stream_tickets")
      .values({
        ticket_hash: hashSessionToken(ticket),
        session_id: session.sessionId,
        room_id: roomId,
        expires_at: expiresAt,
      })
      .execute();
    return { ticket, roomId, expiresAt };
  }

  /**
   * The session a ticket acts for, if it was issued for this room, has not expired and its
   * session is still valid; null otherwise. The ticket is spent either way, in one statement,
   * so that of two redemptions racing on any nodes at most one wins.
   */
  async redeem(ticket: string, roomId: string): Promise<AuthSession | null> {
    const { db, clock, accounts } = this.deps;
    const row = await db
      .deleteFrom("event_stream_tickets")
      .where("ticket_hash", "=", hashSessionToken(ticket))
      .returning(["session_id", "room_id", "expires_at"])
      .executeTakeFirst();
    if (!row || row.room_id !== roomId || row.expires_at <= toTimestamp(clock.now())) return null;
    return accounts.authenticateSessionId(row.session_id);
  }

  /** A ticket for the caller's session to open their inbox stream (`GET /me/events?ticket=`) once. */
  async issueInbox(session: AuthSession): Promise<InboxStreamTicket> {
    const { db, clock, ttlSeconds } = this.deps;
    const now = clock.now();
    const expiresAt = toTimestamp(now + ttlSeconds * 1000);
    const ticket = generateEventStreamTicket();
    await db.deleteFrom("inbox_stream_tickets").where("expires_at", "<=", toTimestamp(now)).execute();
    await db
      .insertInto("inbox_stream_tickets")
      .values({ ticket_hash: hashSessionToken(ticket), session_id: session.sessionId, expires_at: expiresAt })
      .execute();
    return { ticket, expiresAt };
  }

  /** The session an inbox ticket acts for, spent in one statement as `redeem` spends a room's; null when not valid. */
  async redeemInbox(ticket: string): Promise<AuthSession | null> {
    const { db, clock, accounts } = this.deps;
    const row = await db
      .deleteFrom("inbox_stream_tickets")
      .where("ticket_hash", "=", hashSessionToken(ticket))
      .returning(["session_id", "expires_at"])
      .executeTakeFirst();
    if (!row || row.expires_at <= toTimestamp(clock.now())) return null;
    return accounts.authenticateSessionId(row.session_id);
  }
}
