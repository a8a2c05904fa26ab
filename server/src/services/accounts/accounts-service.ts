import { type Database, preparedQuery, uuidV7 } from "@natter/db";
import { type AuthResult, LIMITS, NatterError, type User, usernameKeyOf } from "@natter/shared";
import type { Kysely } from "kysely";
import type { AuthSession } from "../../auth/auth-session.js";
import type { PasswordGuessThrottle } from "../../auth/password-guess-throttle.js";
import type { PasswordHasher } from "../../auth/password-hasher.js";
import type { SessionCache } from "../../auth/session-cache.js";
import type { SessionRevocations } from "../../auth/session-revocations.js";
import { generateSessionToken, hashSessionToken, isApiKey } from "../../auth/session-token.js";
import { type Clock, toTimestamp } from "../../clock/clock.js";
import { isServerAdmin } from "../access/server-admins.js";
import type { ApiKeyAuth } from "./api-key-auth.js";
import { createAccount } from "./create-account.js";
import { toUser } from "./to-user.js";

/** How long sessions live. */
export interface SessionPolicy {
  idleTtlSeconds: number;
  absoluteTtlSeconds: number;
}

/** Sliding the idle expiry costs a write; within this window a session is not touched again. */
const TOUCH_INTERVAL_MS = 60_000;

export interface AccountsServiceDeps {
  db: Kysely<Database>;
  clock: Clock;
  hasher: PasswordHasher;
  revocations: SessionRevocations;
  sessionPolicy: SessionPolicy;
  /** Password checks per username at log-in. */
  loginThrottle: PasswordGuessThrottle;
  /** Checks of the current password per user at a password change. */
  passwordChangeThrottle: PasswordGuessThrottle;
  /** Whether anyone may sign up (`NATTER_SIGNUP=open`); when closed, admins create accounts. */
  signupOpen: boolean;
  /** Bots' API keys, which authenticate like session tokens. */
  apiKeys: ApiKeyAuth;
  /** Callers resolved a moment ago, by token hash; none: every call reads the database. */
  sessionCache?: SessionCache;
}

/** Where a session is opened from, as the transport saw it. */
export interface SessionOrigin {
  userAgent?: string | undefined;
}

/** Sign-up, log-in, sessions and passwords. */
export class AccountsService {
  constructor(private readonly deps: AccountsServiceDeps) {}

  /** Creates an account and signs it in; SIGNUP_CLOSED unless sign-up is open. */
  async signUp(username: string, password: string, origin: SessionOrigin = {}): Promise<AuthResult> {
    if (!this.deps.signupOpen) throw new NatterError("SIGNUP_CLOSED", "Sign-up is closed on this server");
    const user = await this.createUser(username, password);
    return this.openSession(user, origin);
  }

  /**
   * Creates an account whatever the sign-up policy: for admins (`actorId`) and the command
   * line (null); left out, the new user makes it (a sign-up).
   */
  createUser(username: string, password: string, actorId?: string | null): Promise<User> {
    const { db, clock, hasher } = this.deps;
    return createAccount(db, hasher, { username, password, actorId }, clock.now());
  }

  /**
   * Unknown user and wrong password fail alike, in body and in time. A username whose
   * attempts are used up is refused with RATE_LIMITED before any password is checked.
   */
  async logIn(username: string, password: string, origin: SessionOrigin = {}): Promise<AuthResult> {
    const { db, hasher, clock, loginThrottle } = this.deps;
    // ASCII case only: a name typed with the Kelvin sign or full-width letters is no username.
    const usernameKey = usernameKeyOf(username);
    await loginThrottle.reserve(usernameKey, clock.now());
    const row = await db.selectFrom("users").selectAll().where("username_key", "=", usernameKey).executeTakeFirst();
    // A bot's password hash matches nothing; it is not even tried, in the time a miss takes.
    const person = row && row.is_bot === 0 ? row : undefined;
    const verified = person
      ? await hasher.verify(person.password_hash, password)
      : await hasher.verifyNothing(password);
    if (!row || !verified) throw invalidCredentials();
    await loginThrottle.clear(usernameKey);
    // Told only to whoever knows the password: a ban is not public.
    if (row.banned_at !== null) throw new NatterError("ACCOUNT_BANNED", "This account is banned");
    if (hasher.needsRehash(row.password_hash)) {
      const rehashed = await hasher.hash(password);
      await db.updateTable("users").set({ password_hash: rehashed }).where("id", "=", row.id).execute();
    }
    return this.openSession(toUser(row), origin);
  }

  /** Ends one session everywhere. Ending an already ended session is not an error. */
  async logOut(sessionId: string): Promise<void> {
    await this.deps.db.deleteFrom("sessions").where("id", "=", sessionId).execute();
    await this.deps.revocations.publish([sessionId]);
  }

  /**
   * Changes the password and ends every other session of the user. Guesses of the current
   * password (with a stolen token) are throttled per user as log-ins are per username.
   */
  async changePassword(session: AuthSession, currentPassword: string, newPassword: string): Promise<void> {
    const { db, hasher, revocations } = this.deps;
    await this.confirmPassword(session, currentPassword);
    const passwordHash = await hasher.hash(newPassword);
    const revoked = await db.transaction().execute(async (trx) => {
      await trx.updateTable("users").set({ password_hash: passwordHash }).where("id", "=", session.userId).execute();
      return trx
        .deleteFrom("sessions")
        .where("user_id", "=", session.userId)
        .where("id", "!=", session.sessionId)
        .returning("id")
        .execute();
    });
    await revocations.publish(revoked.map((r) => r.id));
  }

  /**
   * Checks the caller's password again before something that cannot be undone (a password
   * change, deleting the account): INVALID_CREDENTIALS (401) when it is wrong, RATE_LIMITED
   * once too many wrong ones were tried (the same count for both).
   */
  async confirmPassword(session: AuthSession, password: string): Promise<void> {
    const { db, hasher, clock, passwordChangeThrottle } = this.deps;
    await passwordChangeThrottle.reserve(session.userId, clock.now());
    const row = await db
      .selectFrom("users")
      .select("password_hash")
      .where("id", "=", session.userId)
      .executeTakeFirstOrThrow();
    if (!(await hasher.verify(row.password_hash, password))) throw invalidCredentials();
    await passwordChangeThrottle.clear(session.userId);
  }

  /**
   * The session a bearer token belongs to, or null if it is unknown or expired. Each use
   * slides the idle expiry forward (at most once a minute), never past the absolute one.
   */
  async authenticate(token: string): Promise<AuthSession | null> {
    const { sessionCache: cache, clock, apiKeys } = this.deps;
    const tokenHash = hashSessionToken(token);
    const cached = cache?.get(tokenHash, clock.now());
    if (cached) return cached;
    const generation = cache?.generation() ?? 0;
    if (isApiKey(token)) {
      const caller = await apiKeys.authenticate(token);
      if (caller) cache?.fill(tokenHash, caller, clock.now(), caller.expiresAt, generation);
      return caller;
    }
    const resolved = await this.resolve("sessions.token_hash", tokenHash);
    if (!resolved) return null;
    cache?.fill(tokenHash, resolved.session, clock.now(), resolved.touchAt, generation);
    return resolved.session;
  }

  /**
   * Whether the user is a server admin now, as the database says: a caller resolved (or
   * cached) earlier may predate a grant or a revocation made from the command line.
   */
  isServerAdmin(userId: string): Promise<boolean> {
    return isServerAdmin(this.deps.db, userId);
  }

  /**
   * The session with this id, resolved and slid as `authenticate` does a token's: for what
   * acts on a session's behalf without its token (an event-stream ticket).
   */
  async authenticateSessionId(sessionId: string): Promise<AuthSession | null> {
    return (await this.resolve("sessions.id", sessionId))?.session ?? null;
  }

  /** The session, and when its use must be noted again (it is not to be cached past that). */
  private async resolve(
    column: "sessions.token_hash" | "sessions.id",
    value: string,
  ): Promise<{ session: AuthSession; touchAt: number } | null> {
    const { db, clock, sessionPolicy } = this.deps;
    const [row] = (await SESSION_BY[column](db, value)).rows;
    if (!row) return null;
    const now = clock.now();
    const nowText = toTimestamp(now);
    if (nowText >= row.idleExpiresAt || nowText >= row.absoluteExpiresAt || row.bannedAt !== null) {
      await this.logOut(row.sessionId);
      return null;
    }
    let expiresAt = Math.min(Date.parse(row.idleExpiresAt), Date.parse(row.absoluteExpiresAt));
    let touchAt = Date.parse(row.lastUsedAt) + TOUCH_INTERVAL_MS;
    if (now >= touchAt) {
      touchAt = now + TOUCH_INTERVAL_MS;
      expiresAt = Math.min(now + sessionPolicy.idleTtlSeconds * 1000, Date.parse(row.absoluteExpiresAt));
      await db.transaction().execute(async (trx) => {
        await trx
          .updateTable("sessions")
          .set({ last_used_at: nowText, idle_expires_at: toTimestamp(expiresAt) })
          .where("id", "=", row.sessionId)
          .execute();
        await trx.updateTable("users").set({ last_active_at: nowText }).where("id", "=", row.userId).execute();
      });
    }
    const session: AuthSession = {
      sessionId: row.sessionId,
      userId: row.userId,
      username: row.username,
      isAdmin: row.isAdmin === 1,
      expiresAt,
      isBot: row.isBot === 1,
    };
    return { session, touchAt: Math.min(touchAt, expiresAt) };
  }

  /**
   * When a session expires now, as uses elsewhere may have slid it since it was resolved;
   * null if it has ended. A session found expired is ended here, which closes its sockets.
   */
  async sessionExpiry(sessionId: string): Promise<number | null> {
    const row = await this.deps.db
      .selectFrom("sessions")
      .select(["idle_expires_at", "absolute_expires_at"])
      .where("id", "=", sessionId)
      .executeTakeFirst();
    // Not a session: an API key's id (its connections are tracked by it), or nothing.
    if (!row) return this.deps.apiKeys.keyExpiry(sessionId);
    const expiresAt = Math.min(Date.parse(row.idle_expires_at), Date.parse(row.absolute_expires_at));
    if (this.deps.clock.now() < expiresAt) return expiresAt;
    await this.logOut(sessionId);
    return null;
  }

  async getUser(userId: string): Promise<User> {
    const row = await this.deps.db.selectFrom("users").selectAll().where("id", "=", userId).executeTakeFirst();
    if (!row) throw new NatterError("USER_NOT_FOUND", "No such user");
    return toUser(row);
  }

  private async openSession(user: User, origin: SessionOrigin): Promise<AuthResult> {
    const { db, clock, sessionPolicy } = this.deps;
    const now = clock.now();
    const token = generateSessionToken();
    const expiresIn = Math.min(sessionPolicy.idleTtlSeconds, sessionPolicy.absoluteTtlSeconds);
    await db
      .insertInto("sessions")
      .values({
        id: uuidV7(now),
        user_id: user.id,
        token_hash: hashSessionToken(token),
        created_at: toTimestamp(now),
        last_used_at: toTimestamp(now),
        idle_expires_at: toTimestamp(now + expiresIn * 1000),
        absolute_expires_at: toTimestamp(now + sessionPolicy.absoluteTtlSeconds * 1000),
        user_agent: origin.userAgent?.slice(0, LIMITS.userAgentMax) || null,
      })
      .execute();
    await db
      .updateTable("users")
      .set({ last_active_at: toTimestamp(now) })
      .where("id", "=", user.id)
      .execute();
    return { user, token, tokenType: "Bearer", expiresIn };
  }
}

function invalidCredentials(): NatterError {
  return new NatterError("INVALID_CREDENTIALS", "Invalid username or password");
}

/** A session with its user, by one of its keys: every authenticated request runs one. */
function sessionWhere(db: Kysely<Database>, column: "sessions.token_hash" | "sessions.id", value: string) {
  return db
    .selectFrom("sessions")
    .innerJoin("users", "users.id", "sessions.user_id")
    .select([
      "sessions.id as sessionId",
      "sessions.user_id as userId",
      "users.username as username",
      "users.is_admin as isAdmin",
      "users.is_bot as isBot",
      "users.banned_at as bannedAt",
      "sessions.last_used_at as lastUsedAt",
      "sessions.idle_expires_at as idleExpiresAt",
      "sessions.absolute_expires_at as absoluteExpiresAt",
    ])
    .where(column, "=", value);
}

const SESSION_BY = {
  "sessions.token_hash": preparedQuery((db, tokenHash: string) => sessionWhere(db, "sessions.token_hash", tokenHash)),
  "sessions.id": preparedQuery((db, sessionId: string) => sessionWhere(db, "sessions.id", sessionId)),
};
