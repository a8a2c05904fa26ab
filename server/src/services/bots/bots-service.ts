import { type Database, uuidV7 } from "@natter/db";
import {
  type ApiKey,
  type ApiKeyScope,
  type ApiKeyWithSecret,
  type Bot,
  type CreateApiKeyInput,
  LIMITS,
  NatterError,
} from "@natter/shared";
import type { Kysely, Selectable } from "kysely";
import type { AuthSession } from "../../auth/auth-session.js";
import type { PasswordHasher } from "../../auth/password-hasher.js";
import type { SessionRevocations } from "../../auth/session-revocations.js";
import { apiKeyPrefix, generateApiKey, hashSessionToken } from "../../auth/session-token.js";
import { type Clock, toTimestamp } from "../../clock/clock.js";
import { isServerAdmin } from "../access/server-admins.js";
import type { AccountDeletion } from "../account-data/account-deletion.js";
import { createAccount } from "../accounts/create-account.js";
import { toUser } from "../accounts/to-user.js";
import { recordActivity } from "../activity/activity-log.js";

export interface BotsServiceDeps {
  db: Kysely<Database>;
  clock: Clock;
  hasher: PasswordHasher;
  revocations: SessionRevocations;
  /** Deletes a bot as an account is deleted. */
  deletion: AccountDeletion;
}

/**
 * Bot accounts and their API keys, managed by server admins. A key is shown once, at
 * creation; only its SHA-256 is kept. Revoking one deletes it and announces its id as a
 * revoked session, so its open sockets close on every node.
 */
export class BotsService {
  constructor(private readonly deps: BotsServiceDeps) {}

  /** Creates a bot user; USERNAME_TAKEN as for people. At most `LIMITS.botsMax` bots. */
  async createBot(session: AuthSession, username: string, displayName: string): Promise<Bot> {
    await this.requireAdmin(session);
    const { db, hasher, clock } = this.deps;
    const count = await db
      .selectFrom("users")
      .select((eb) => eb.fn.countAll<number | string>().as("n"))
      .where("is_bot", "=", 1)
      .where("deleted_at", "is", null)
      .executeTakeFirstOrThrow();
    if (Number(count.n) >= LIMITS.botsMax) {
      throw new NatterError("CONFLICT", `A server has at most ${LIMITS.botsMax} bots`);
    }
    const user = await createAccount(
      db,
      hasher,
      { username, password: null, actorId: session.userId, bot: { displayName } },
      clock.now(),
    );
    return { ...user, keyCount: 0 };
  }

  /** Every bot, oldest first, with how many keys each holds (bounded by `LIMITS.botsMax`). */
  async listBots(session: AuthSession): Promise<Bot[]> {
    await this.requireAdmin(session);
    const rows = await this.deps.db
      .selectFrom("users")
      .selectAll("users")
      .select((eb) =>
        eb
          .selectFrom("api_keys")
          .select((k) => k.fn.countAll<number | string>().as("n"))
          .whereRef("api_keys.user_id", "=", "users.id")
          .as("keyCount"),
      )
      .where("is_bot", "=", 1)
      .where("deleted_at", "is", null)
      .orderBy("id")
      .limit(LIMITS.botsMax)
      .execute();
    return rows.map((row) => ({ ...toUser(row), keyCount: Number(row.keyCount ?? 0) }));
  }

  /** A new key for a bot: the key itself is in this answer only. */
  async createKey(session: AuthSession, input: CreateApiKeyInput): Promise<ApiKeyWithSecret> {
    await this.requireAdmin(session);
    const { db, clock } = this.deps;
    const now = clock.now();
    if (input.expiresAt !== undefined && Date.parse(input.expiresAt) <= now) {
      throw new NatterError("VALIDATION_FAILED", "Input validation failed", {
        issues: [{ path: "expiresAt", message: "must be in the future" }],
      });
    }
    await this.requireBot(input.userId);
    const key = generateApiKey();
    const scopes = [...new Set(input.scopes)];
    const row = {
      id: uuidV7(now),
      user_id: input.userId,
      name: input.name,
      prefix: apiKeyPrefix(key),
      key_hash: hashSessionToken(key),
      scopes: JSON.stringify(scopes),
      created_by: session.userId,
      created_at: toTimestamp(now),
      expires_at: input.expiresAt === undefined ? null : toTimestamp(Date.parse(input.expiresAt)),
      last_used_at: null,
    };
    await db.transaction().execute(async (trx) => {
      const held = await trx
        .selectFrom("api_keys")
        .select((eb) => eb.fn.countAll<number | string>().as("n"))
        .where("user_id", "=", input.userId)
        .executeTakeFirstOrThrow();
      if (Number(held.n) >= LIMITS.apiKeysPerBotMax) {
        throw new NatterError("CONFLICT", `A bot holds at most ${LIMITS.apiKeysPerBotMax} keys: revoke one first`);
      }
      await trx.insertInto("api_keys").values(row).execute();
      const detail = { keyId: row.id, name: row.name, scopes };
      await recordActivity(
        trx,
        { action: "api_key.created", actorId: session.userId, subjectId: input.userId, detail },
        now,
      );
    });
    return { apiKey: toApiKey(row), key };
  }

  /** A bot's keys, newest first (at most `LIMITS.apiKeysPerBotMax`). */
  async listKeys(session: AuthSession, userId: string): Promise<ApiKey[]> {
    await this.requireAdmin(session);
    await this.requireBot(userId);
    const rows = await this.deps.db
      .selectFrom("api_keys")
      .selectAll()
      .where("user_id", "=", userId)
      .orderBy("id", "desc")
      .limit(LIMITS.apiKeysPerBotMax)
      .execute();
    return rows.map(toApiKey);
  }

  /** Revokes a key at once: calls with it fail from now on, and its open sockets close on every node. */
  async revokeKey(session: AuthSession, userId: string, keyId: string): Promise<void> {
    await this.requireAdmin(session);
    const { db, clock, revocations } = this.deps;
    const now = clock.now();
    await db.transaction().execute(async (trx) => {
      const deleted = await trx
        .deleteFrom("api_keys")
        .where("id", "=", keyId)
        .where("user_id", "=", userId)
        .returning(["id", "name"])
        .executeTakeFirst();
      if (!deleted) throw new NatterError("API_KEY_NOT_FOUND", "No such API key for this bot");
      const detail = { keyId, name: deleted.name };
      await recordActivity(trx, { action: "api_key.revoked", actorId: session.userId, subjectId: userId, detail }, now);
    });
    await revocations.publish([keyId]);
  }

  /**
   * Deletes a bot: its incoming webhooks go (a post to one answers 404 from now on), then it
   * is deleted as an account is (`AccountDeletion`): its keys are revoked at once, their
   * sockets closing on every node, its messages become tombstones (or stay, with
   * `NATTER_ACCOUNT_DELETION=keep-messages`), it leaves every room, and its username stays
   * reserved for 30 days.
   */
  async deleteBot(session: AuthSession, userId: string): Promise<void> {
    await this.requireAdmin(session);
    await this.requireBot(userId);
    const { db, clock, deletion } = this.deps;
    await db.transaction().execute(async (trx) => {
      const hooks = await trx
        .deleteFrom("incoming_webhooks")
        .where("bot_user_id", "=", userId)
        .returning("id")
        .execute();
      const detail = { incomingWebhooks: hooks.length };
      await recordActivity(
        trx,
        { action: "bot.deleted", actorId: session.userId, subjectId: userId, detail },
        clock.now(),
      );
    });
    await deletion.delete(userId, session.userId);
  }

  private async requireAdmin(session: AuthSession): Promise<void> {
    if (!(await isServerAdmin(this.deps.db, session.userId))) {
      throw new NatterError("FORBIDDEN", "Only server admins may do this");
    }
  }

  private async requireBot(userId: string): Promise<void> {
    const row = await this.deps.db
      .selectFrom("users")
      .select(["is_bot", "deleted_at"])
      .where("id", "=", userId)
      .executeTakeFirst();
    if (row?.is_bot !== 1 || row.deleted_at !== null) throw new NatterError("BOT_NOT_FOUND", "No such bot");
  }
}

function toApiKey(row: Selectable<Database["api_keys"]>): ApiKey {
  return {
    id: row.id,
    userId: row.user_id,
    name: row.name,
    prefix: row.prefix,
    scopes: JSON.parse(row.scopes) as ApiKeyScope[],
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    lastUsedAt: row.last_used_at,
  };
}
