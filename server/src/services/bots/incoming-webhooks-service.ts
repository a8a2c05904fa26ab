import { randomBytes, timingSafeEqual } from "node:crypto";
import { type Database, uuidV7 } from "@natter/db";
import { type IncomingWebhook, type IncomingWebhookWithUrl, LIMITS, type Message, NatterError } from "@natter/shared";
import type { Kysely, Selectable } from "kysely";
import type { AuthSession } from "../../auth/auth-session.js";
import type { PasswordHasher } from "../../auth/password-hasher.js";
import { hashSessionToken } from "../../auth/session-token.js";
import type { Clock } from "../../clock/clock.js";
import { toTimestamp } from "../../clock/clock.js";
import { moderatableRoom, requireRole } from "../access/room-access.js";
import { isServerAdmin } from "../access/server-admins.js";
import { createAccount } from "../accounts/create-account.js";
import { recordActivity } from "../activity/activity-log.js";
import type { MessagesService } from "../messages/messages-service.js";
import type { RoomsService } from "../rooms/rooms-service.js";

export interface IncomingWebhooksServiceDeps {
  db: Kysely<Database>;
  clock: Clock;
  hasher: PasswordHasher;
  rooms: RoomsService;
  messages: MessagesService;
}

/** What an unknown hook's secret is compared with, so that it costs what a known one's does. */
const NO_HOOK_HASH = hashSessionToken("no such hook");

/**
 * Incoming webhooks: URLs that post into one room as a bot. The secret is in the URL, kept
 * only as its SHA-256 and compared in constant time; an unknown hook, a deleted one and a wrong
 * secret are answered alike (404), after the same work.
 */
export class IncomingWebhooksService {
  constructor(private readonly deps: IncomingWebhooksServiceDeps) {}

  /**
   * Creates a hook of a room (its owner, or a server admin) posting as `botUserId` (server
   * admins only) or as a bot made for it, added to the room. The URL holds the secret: shown once.
   */
  async create(
    session: AuthSession,
    roomId: string,
    name: string,
    botUserId?: string,
  ): Promise<IncomingWebhookWithUrl> {
    const { db, clock, hasher, rooms } = this.deps;
    await this.requireRoomOwner(session, roomId);
    const held = await db
      .selectFrom("incoming_webhooks")
      .select((eb) => eb.fn.countAll<number | string>().as("n"))
      .where("room_id", "=", roomId)
      .executeTakeFirstOrThrow();
    if (Number(held.n) >= LIMITS.incomingWebhooksPerRoomMax) {
      throw new NatterError("CONFLICT", `A room has at most ${LIMITS.incomingWebhooksPerRoomMax} incoming webhooks`);
    }
    let botId: string;
    if (botUserId !== undefined) {
      // Posting as a bot others use is a server admin's decision.
      if (!(await isServerAdmin(db, session.userId))) {
        throw new NatterError("FORBIDDEN", "Only server admins may post through an existing bot");
      }
      const row = await db.selectFrom("users").select("is_bot").where("id", "=", botUserId).executeTakeFirst();
      if (row?.is_bot !== 1) throw new NatterError("BOT_NOT_FOUND", "No such bot");
      botId = botUserId;
    } else {
      const username = `hook-${randomBytes(6).toString("hex")}`;
      const bot = await createAccount(
        db,
        hasher,
        { username, password: null, actorId: session.userId, bot: { displayName: name } },
        clock.now(),
      );
      botId = bot.id;
    }
    await rooms.putMember(session, roomId, botId, undefined);
    const now = clock.now();
    const secret = randomBytes(32).toString("base64url");
    const row = {
      id: uuidV7(now),
      room_id: roomId,
      name,
      bot_user_id: botId,
      secret_hash: hashSessionToken(secret),
      created_by: session.userId,
      created_at: toTimestamp(now),
    };
    await db.transaction().execute(async (trx) => {
      await trx.insertInto("incoming_webhooks").values(row).execute();
      const detail = { hookId: row.id, name };
      await recordActivity(
        trx,
        { action: "incoming_webhook.created", actorId: session.userId, roomId, subjectId: botId, detail },
        now,
      );
    });
    return { incomingWebhook: toIncomingWebhook(row), url: `/api/v1/hooks/${row.id}/${secret}` };
  }

  /** A room's hooks, oldest first (at most `LIMITS.incomingWebhooksPerRoomMax`). */
  async list(session: AuthSession, roomId: string): Promise<IncomingWebhook[]> {
    await this.requireRoomOwner(session, roomId);
    const rows = await this.deps.db
      .selectFrom("incoming_webhooks")
      .selectAll()
      .where("room_id", "=", roomId)
      .orderBy("id")
      .limit(LIMITS.incomingWebhooksPerRoomMax)
      .execute();
    return rows.map(toIncomingWebhook);
  }

  /** Deletes a hook: its URL answers 404 from now on (its bot stays, with its messages). */
  async delete(session: AuthSession, roomId: string, hookId: string): Promise<void> {
    await this.requireRoomOwner(session, roomId);
    const now = this.deps.clock.now();
    await this.deps.db.transaction().execute(async (trx) => {
      const deleted = await trx
        .deleteFrom("incoming_webhooks")
        .where("id", "=", hookId)
        .where("room_id", "=", roomId)
        .returning(["name", "bot_user_id"])
        .executeTakeFirst();
      if (!deleted) throw new NatterError("INCOMING_WEBHOOK_NOT_FOUND", "No such incoming webhook");
      const detail = { hookId, name: deleted.name };
      await recordActivity(
        trx,
        { action: "incoming_webhook.deleted", actorId: session.userId, roomId, subjectId: deleted.bot_user_id, detail },
        now,
      );
    });
  }

  /**
   * Posts `text` into the hook's room as its bot. INCOMING_WEBHOOK_NOT_FOUND for an unknown or
   * deleted hook and for a wrong secret alike: one look-up, one hash and one constant-time
   * comparison happen whichever it is.
   */
  async post(hookId: string, secret: string, text: string): Promise<Message> {
    const row = await this.deps.db
      .selectFrom("incoming_webhooks")
      .innerJoin("users", "users.id", "incoming_webhooks.bot_user_id")
      .select([
        "incoming_webhooks.room_id as roomId",
        "incoming_webhooks.secret_hash as secretHash",
        "users.id as botId",
        "users.username as username",
        "users.banned_at as bannedAt",
      ])
      .where("incoming_webhooks.id", "=", hookId)
      .executeTakeFirst();
    const given = Buffer.from(hashSessionToken(secret), "hex");
    const matches = timingSafeEqual(given, Buffer.from(row?.secretHash ?? NO_HOOK_HASH, "hex"));
    if (!row || !matches || row.bannedAt !== null) {
      throw new NatterError("INCOMING_WEBHOOK_NOT_FOUND", "No such incoming webhook");
    }
    const bot: AuthSession = {
      sessionId: hookId,
      userId: row.botId,
      username: row.username,
      isAdmin: false,
      expiresAt: this.deps.clock.now(),
      isBot: true,
    };
    return this.deps.messages.send(bot, row.roomId, { body: text });
  }

  private async requireRoomOwner(session: AuthSession, roomId: string): Promise<void> {
    const access = await moderatableRoom(this.deps.db, roomId, session);
    if (!access.serverAdmin) requireRole(access, "owner");
  }
}

function toIncomingWebhook(row: Selectable<Database["incoming_webhooks"]>): IncomingWebhook {
  return {
    id: row.id,
    roomId: row.room_id,
    name: row.name,
    botUserId: row.bot_user_id,
    createdAt: row.created_at,
  };
}
