import { bumpCounters, type Database, STAT_COUNTERS } from "@natter/db";
import { type ActivityInput, type ActivityPage, type AdminStats, type AdminUser, NatterError } from "@natter/shared";
import type { Kysely, Selectable } from "kysely";
import type { AuthSession } from "../../auth/auth-session.js";
import type { SessionRevocations } from "../../auth/session-revocations.js";
import { type Clock, toTimestamp } from "../../clock/clock.js";
import { isServerAdmin } from "../access/server-admins.js";
import type { AccountsService } from "../accounts/accounts-service.js";
import { toUser } from "../accounts/to-user.js";
import { recordActivity } from "../activity/activity-log.js";
import { activityPage } from "./activity-query.js";
import { readAdminStats } from "./admin-stats.js";
import type { LiveSource } from "./live-figures.js";

export interface AdminServiceDeps {
  db: Kysely<Database>;
  clock: Clock;
  accounts: AccountsService;
  /** Sessions a ban ends close their sockets and streams at once. */
  revocations: SessionRevocations;
  /** Open connections and watchers, as the transports count them. */
  live: LiveSource;
  /** The storage ceiling of uploads (`NATTER_UPLOAD_STORAGE_MAX_BYTES`), null when there is none. */
  uploadStorageMaxBytes: number | null;
}

/**
 * What server admins do over the API: statistics, the activity log, bans, and accounts
 * when sign-up is closed. Every method checks the flag in the database first, so a revoke
 * from the command line takes effect on the next call, even on a long-lived WebSocket.
 * (Deleting any room or message is in the rooms and messages services' own delete paths.)
 */
export class AdminService {
  constructor(private readonly deps: AdminServiceDeps) {}

  async stats(session: AuthSession): Promise<AdminStats> {
    await this.requireAdmin(session);
    const { db, live, clock, uploadStorageMaxBytes } = this.deps;
    return readAdminStats(db, live, clock.now(), uploadStorageMaxBytes);
  }

  async activity(session: AuthSession, input: ActivityInput & { limit: number }): Promise<ActivityPage> {
    await this.requireAdmin(session);
    return activityPage(this.deps.db, input);
  }

  async user(session: AuthSession, userId: string): Promise<AdminUser> {
    await this.requireAdmin(session);
    return this.loadUser(userId);
  }

  /** Creates an account whatever the sign-up policy; the new user is not signed in. */
  async createUser(session: AuthSession, username: string, password: string): Promise<AdminUser> {
    await this.requireAdmin(session);
    const user = await this.deps.accounts.createUser(username, password, session.userId);
    return this.loadUser(user.id);
  }

  /**
   * Bans a user: log-in answers ACCOUNT_BANNED from now on, and every session of theirs ends
   * at once (their sockets close with 4401). Banning a banned user changes nothing. Nobody
   * bans themself, and admins are not banned over the API: revoke the flag first, from the
   * command line, which is where it was granted.
   */
  async ban(session: AuthSession, userId: string): Promise<AdminUser> {
    await this.requireAdmin(session);
    if (userId === session.userId) throw new NatterError("FORBIDDEN", "You cannot ban yourself");
    const { db, clock, revocations } = this.deps;
    const ended = await db.transaction().execute(async (trx) => {
      const user = await trx
        .selectFrom("users")
        .select(["is_admin", "banned_at"])
        .where("id", "=", userId)
        .executeTakeFirst();
      if (!user) throw new NatterError("USER_NOT_FOUND", "No such user");
      if (user.is_admin === 1) {
        throw new NatterError(
          "FORBIDDEN",
          "Server admins cannot be banned; revoke their flag first (natter admin revoke)",
        );
      }
      if (user.banned_at !== null) return [];
      const now = clock.now();
      await trx
        .updateTable("users")
        .set({ banned_at: toTimestamp(now) })
        .where("id", "=", userId)
        .execute();
      await bumpCounters(trx, { [STAT_COUNTERS.banned]: 1 });
      const sessions = await trx.deleteFrom("sessions").where("user_id", "=", userId).returning("id").execute();
      const detail = { sessionsEnded: sessions.length };
      await recordActivity(trx, { action: "user.banned", actorId: session.userId, subjectId: userId, detail }, now);
      // A banned bot's keys stay (lifting the ban revives them) but stop working: their sockets close too.
      const keys = await trx.selectFrom("api_keys").select("id").where("user_id", "=", userId).execute();
      return [...sessions, ...keys].map((row) => row.id);
    });
    revocations.publish(ended);
    return this.loadUser(userId);
  }

  /** Lifts a ban: the user may log in again (their old sessions stay ended). Idempotent. */
  async unban(session: AuthSession, userId: string): Promise<AdminUser> {
    await this.requireAdmin(session);
    const { db, clock } = this.deps;
    await db.transaction().execute(async (trx) => {
      const user = await trx.selectFrom("users").select("banned_at").where("id", "=", userId).executeTakeFirst();
      if (!user) throw new NatterError("USER_NOT_FOUND", "No such user");
      if (user.banned_at === null) return;
      const now = clock.now();
      await trx.updateTable("users").set({ banned_at: null }).where("id", "=", userId).execute();
      await bumpCounters(trx, { [STAT_COUNTERS.banned]: -1 });
      await recordActivity(trx, { action: "user.unbanned", actorId: session.userId, subjectId: userId }, now);
    });
    return this.loadUser(userId);
  }

  private async requireAdmin(session: AuthSession): Promise<void> {
    if (!(await isServerAdmin(this.deps.db, session.userId))) {
      throw new NatterError("FORBIDDEN", "Only server admins may do this");
    }
  }

  private async loadUser(userId: string): Promise<AdminUser> {
    const row = await this.deps.db.selectFrom("users").selectAll().where("id", "=", userId).executeTakeFirst();
    if (!row) throw new NatterError("USER_NOT_FOUND", "No such user");
    return toAdminUser(row);
  }
}

function toAdminUser(row: Selectable<Database["users"]>): AdminUser {
  return { ...toUser(row), isAdmin: row.is_admin === 1, bannedAt: row.banned_at, lastActiveAt: row.last_active_at };
}
