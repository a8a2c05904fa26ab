import type { Database } from "@natter/db";
import { LIMITS, NatterError, type SessionInfo } from "@natter/shared";
import type { Kysely } from "kysely";
import type { AuthSession } from "../../auth/auth-session.js";
import type { SessionRevocations } from "../../auth/session-revocations.js";
import { type Clock, toTimestamp } from "../../clock/clock.js";

export interface SessionsServiceDeps {
  db: Kysely<Database>;
  clock: Clock;
  /** Sessions that end close their sockets and streams at once. */
  revocations: SessionRevocations;
}

/** A user's view of their own sessions (signed-in devices), and ending them. */
export class SessionsService {
  constructor(private readonly deps: SessionsServiceDeps) {}

  /** The caller's live sessions, most recently used first; the caller's own is `current`. */
  async list(session: AuthSession): Promise<SessionInfo[]> {
    const now = toTimestamp(this.deps.clock.now());
    const rows = await this.deps.db
      .selectFrom("sessions")
      .select(["id", "created_at", "last_used_at", "idle_expires_at", "absolute_expires_at", "user_agent"])
      .where("user_id", "=", session.userId)
      .where("idle_expires_at", ">", now)
      .where("absolute_expires_at", ">", now)
      .orderBy("last_used_at", "desc")
      .orderBy("id", "desc")
      .limit(LIMITS.sessionsListMax)
      .execute();
    return rows.map((row) => ({
      id: row.id,
      createdAt: row.created_at,
      lastUsedAt: row.last_used_at,
      expiresAt: row.idle_expires_at < row.absolute_expires_at ? row.idle_expires_at : row.absolute_expires_at,
      userAgent: row.user_agent,
      current: row.id === session.sessionId,
    }));
  }

  /** Ends one of the caller's sessions (the current one too); SESSION_NOT_FOUND if it is not theirs. */
  async end(session: AuthSession, sessionId: string): Promise<void> {
    const ended = await this.deps.db
      .deleteFrom("sessions")
      .where("id", "=", sessionId)
      .where("user_id", "=", session.userId)
      .returning("id")
      .execute();
    if (ended.length === 0) throw new NatterError("SESSION_NOT_FOUND", "No such session");
    await this.deps.revocations.publish([sessionId]);
  }

  /** Ends every session of the caller but the current one; answers how many ended. */
  async endOthers(session: AuthSession): Promise<number> {
    const ended = await this.deps.db
      .deleteFrom("sessions")
      .where("user_id", "=", session.userId)
      .where("id", "!=", session.sessionId)
      .returning("id")
      .execute();
    await this.deps.revocations.publish(ended.map((row) => row.id));
    return ended.length;
  }
}
