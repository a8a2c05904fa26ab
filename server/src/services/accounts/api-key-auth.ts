import { type Database, preparedQuery } from "@natter/db";
import type { ApiKeyScope } from "@natter/shared";
import type { Kysely } from "kysely";
import type { AuthSession } from "../../auth/auth-session.js";
import { hashSessionToken } from "../../auth/session-token.js";
import { type Clock, toTimestamp } from "../../clock/clock.js";

/** A key that never expires is checked again this far away (year 9999): never, in practice. */
const NEVER_MS = Date.parse("9999-12-31T23:59:59.999Z");

/** Noting a key's last use costs a write; within this window it is not noted again. */
const TOUCH_INTERVAL_MS = 60_000;

/**
 * Resolves API keys into callers. A key acts as a session whose id is the key's id, so that
 * revoking it (deleting the row and announcing the id as session revocations are announced)
 * ends its open sockets on every node, as a log-out does.
 */
export class ApiKeyAuth {
  constructor(private readonly deps: { db: Kysely<Database>; clock: Clock }) {}

  /** The caller a key stands for; null if unknown, revoked, expired, or its bot is banned. */
  async authenticate(key: string): Promise<AuthSession | null> {
    const { db, clock } = this.deps;
    const [row] = (await KEY_BY_HASH(db, hashSessionToken(key))).rows;
    if (!row || row.bannedAt !== null) return null;
    const now = clock.now();
    if (row.expiresAt !== null && toTimestamp(now) >= row.expiresAt) return null;
    if (row.lastUsedAt === null || now - Date.parse(row.lastUsedAt) >= TOUCH_INTERVAL_MS) {
      await db
        .updateTable("api_keys")
        .set({ last_used_at: toTimestamp(now) })
        .where("id", "=", row.keyId)
        .execute();
    }
    return {
      sessionId: row.keyId,
      userId: row.userId,
      username: row.username,
      isAdmin: row.isAdmin === 1,
      expiresAt: row.expiresAt === null ? NEVER_MS : Date.parse(row.expiresAt),
      scopes: JSON.parse(row.scopes) as ApiKeyScope[],
      isBot: row.isBot === 1,
    };
  }

  /** When the key with this id expires; null if it is gone (revoked), expired, or its bot banned. */
  async keyExpiry(keyId: string): Promise<number | null> {
    const row = await this.deps.db
      .selectFrom("api_keys")
      .innerJoin("users", "users.id", "api_keys.user_id")
      .select(["api_keys.expires_at as expiresAt", "users.banned_at as bannedAt"])
      .where("api_keys.id", "=", keyId)
      .executeTakeFirst();
    if (!row || row.bannedAt !== null) return null;
    const expiresAt = row.expiresAt === null ? NEVER_MS : Date.parse(row.expiresAt);
    return this.deps.clock.now() < expiresAt ? expiresAt : null;
  }
}

/** A key with its user, by the key's hash: every call made with a key runs one. */
const KEY_BY_HASH = preparedQuery((db, keyHash: string) =>
  db
    .selectFrom("api_keys")
    .innerJoin("users", "users.id", "api_keys.user_id")
    .select([
      "api_keys.id as keyId",
      "api_keys.user_id as userId",
      "api_keys.scopes as scopes",
      "api_keys.expires_at as expiresAt",
      "api_keys.last_used_at as lastUsedAt",
      "users.username as username",
      "users.is_admin as isAdmin",
      "users.is_bot as isBot",
      "users.banned_at as bannedAt",
    ])
    .where("api_keys.key_hash", "=", keyHash),
);
