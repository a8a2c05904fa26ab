import { randomBytes } from "node:crypto";
import { type Database, uuidV7, type WebhookDeliveriesTable, type WebhooksTable } from "@natter/db";
import {
  type CreateWebhookInput,
  LIMITS,
  NatterError,
  type UpdateWebhookInput,
  type Webhook,
  type WebhookDelivery,
  type WebhookDeliveryPage,
  type WebhookEventType,
} from "@natter/shared";
import type { Kysely, Selectable, Transaction } from "kysely";
import type { AuthSession } from "../../auth/auth-session.js";
import { type Clock, toTimestamp } from "../../clock/clock.js";
import { moderatableRoom, requireRole } from "../access/room-access.js";
import { isServerAdmin } from "../access/server-admins.js";
import { recordActivity } from "../activity/activity-log.js";
import { decodeCursor, encodeCursor } from "../paging/page-cursor.js";
import { queueTestDelivery } from "./webhook-outbox.js";
import type { WebhookUrlCheck } from "./webhook-ports.js";

/** How long the secret before a rotation keeps signing beside the new one. */
const PREVIOUS_SECRET_TTL_MS = 24 * 3_600_000;

export interface WebhooksServiceDeps {
  db: Kysely<Database>;
  clock: Clock;
  /** Refuses URLs webhooks may not reach (SSRF). */
  policy: WebhookUrlCheck;
  /** Called once deliveries were queued, so that they are sent at once. */
  onQueued: () => void;
}

type WebhookRow = Selectable<WebhooksTable>;
type DeliveryRow = Selectable<WebhookDeliveriesTable>;

/** A new endpoint with the secret shown this once. */
export interface WebhookWithSecret {
  webhook: Webhook;
  secret: string;
}

/**
 * Managing outgoing webhook endpoints: server admins manage all of them (server-wide ones
 * and those of any room); room owners manage their own room's. Sending is the delivery
 * worker's (`WebhookDeliveryWorker`), from the outbox the writes fill.
 *
 * The methods on one endpoint take an optional `roomId`: without it the call is a server
 * admin's (`/admin/webhooks/…`); with it, the room's owner's or a server admin's
 * (`/rooms/{roomId}/webhooks/…`), and an endpoint of another room, or a server-wide one, is
 * not found.
 */
export class WebhooksService {
  constructor(private readonly deps: WebhooksServiceDeps) {}

  /** A server admin's endpoint: server-wide, or with `roomId` for that room. */
  async create(session: AuthSession, input: CreateWebhookInput): Promise<WebhookWithSecret> {
    await this.requireAdmin(session);
    if (input.roomId !== undefined) {
      await moderatableRoom(this.deps.db, input.roomId, session);
    }
    return this.insert(session, input.url, input.events, input.roomId ?? null);
  }

  /** A room owner's endpoint for their room (server admins may too). */
  async createForRoom(
    session: AuthSession,
    roomId: string,
    url: string,
    events: readonly WebhookEventType[],
  ): Promise<WebhookWithSecret> {
    await this.requireRoomOwner(session, roomId);
    return this.insert(session, url, events, roomId);
  }

  /** Every endpoint (there are at most `LIMITS.webhooksPerServerMax`), newest first. */
  async list(session: AuthSession): Promise<Webhook[]> {
    await this.requireAdmin(session);
    const rows = await this.deps.db
      .selectFrom("webhooks")
      .selectAll()
      .orderBy("id", "desc")
      .limit(LIMITS.webhooksPerServerMax)
      .execute();
    return rows.map(toWebhook);
  }

  /** The endpoints of one room, for its owners and server admins. */
  async listForRoom(session: AuthSession, roomId: string): Promise<Webhook[]> {
    await this.requireRoomOwner(session, roomId);
    const rows = await this.deps.db
      .selectFrom("webhooks")
      .selectAll()
      .where("room_id", "=", roomId)
      .orderBy("id", "desc")
      .limit(LIMITS.webhooksPerRoomMax)
      .execute();
    return rows.map(toWebhook);
  }

  async get(session: AuthSession, webhookId: string, roomId?: string): Promise<Webhook> {
    return toWebhook(await this.reachable(session, webhookId, roomId));
  }

  /** Changes what is given; enabling again clears the failure record and the reason. */
  async update(
    session: AuthSession,
    { webhookId, url, events, enabled }: UpdateWebhookInput,
    roomId?: string,
  ): Promise<Webhook> {
    const existing = await this.reachable(session, webhookId, roomId);
    if (url !== undefined) await this.deps.policy.check(url);
    if (events !== undefined) requireEventsFit(events, existing.room_id);
    const now = this.deps.clock.now();
    const at = toTimestamp(now);
    const changes: Partial<WebhookRow> = { updated_at: at };
    if (url !== undefined) changes.url = url;
    if (events !== undefined) changes.events = JSON.stringify(unique(events));
    if (enabled === true) Object.assign(changes, { enabled: 1, disabled_reason: null, failing_since: null });
    if (enabled === false && existing.enabled === 1) Object.assign(changes, { enabled: 0, disabled_reason: "admin" });
    return this.deps.db.transaction().execute(async (trx) => {
      await trx.updateTable("webhooks").set(changes).where("id", "=", webhookId).execute();
      await recordActivity(
        trx,
        { action: "webhook.updated", actorId: session.userId, roomId: existing.room_id, detail: { webhookId } },
        now,
      );
      return toWebhook(await this.find(trx, webhookId));
    });
  }

  /** Deletes an endpoint with its deliveries, sent or not. */
  async delete(session: AuthSession, webhookId: string, roomId?: string): Promise<void> {
    const existing = await this.reachable(session, webhookId, roomId);
    const now = this.deps.clock.now();
    await this.deps.db.transaction().execute(async (trx) => {
      // Deliveries first, then the endpoint: the order the delivery worker locks them in when it
      // records an attempt. The other order (the cascade's) deadlocked with it on PostgreSQL.
      await trx.deleteFrom("webhook_deliveries").where("webhook_id", "=", webhookId).execute();
      await trx.deleteFrom("webhooks").where("id", "=", webhookId).execute();
      await recordActivity(
        trx,
        {
          action: "webhook.deleted",
          actorId: session.userId,
          roomId: existing.room_id,
          detail: { webhookId, url: existing.url },
        },
        now,
      );
    });
  }

  /** A new secret; the old one keeps signing beside it for 24 hours (both signatures sent). */
  async rotateSecret(session: AuthSession, webhookId: string, roomId?: string): Promise<WebhookWithSecret> {
    const existing = await this.reachable(session, webhookId, roomId);
    const now = this.deps.clock.now();
    const secret = newSecret();
    return this.deps.db.transaction().execute(async (trx) => {
      await trx
        .updateTable("webhooks")
        .set({
          secret,
          previous_secret: existing.secret,
          previous_secret_expires_at: toTimestamp(now + PREVIOUS_SECRET_TTL_MS),
          updated_at: toTimestamp(now),
        })
        .where("id", "=", webhookId)
        .execute();
      await recordActivity(
        trx,
        { action: "webhook.secret_rotated", actorId: session.userId, roomId: existing.room_id, detail: { webhookId } },
        now,
      );
      return { webhook: toWebhook(await this.find(trx, webhookId)), secret };
    });
  }

  /** Queues a `webhook.test` event to the endpoint (even a disabled one's is kept until it is enabled). */
  async test(session: AuthSession, webhookId: string, roomId?: string): Promise<WebhookDelivery> {
    await this.reachable(session, webhookId, roomId);
    const id = await queueTestDelivery(this.deps.db, webhookId, this.deps.clock.now());
    // Read as queued before the worker is woken: read after, it may already be on its way.
    const queued = await this.delivery(webhookId, id);
    this.deps.onQueued();
    return queued;
  }

  /** The endpoint's deliveries, newest first, with how the latest attempt of each went. */
  async deliveries(
    session: AuthSession,
    input: { webhookId: string; limit: number; cursor?: string | undefined },
    roomId?: string,
  ): Promise<WebhookDeliveryPage> {
    await this.reachable(session, input.webhookId, roomId);
    let query = this.deps.db
      .selectFrom("webhook_deliveries")
      .selectAll()
      .where("webhook_id", "=", input.webhookId)
      .orderBy("id", "desc")
      .limit(input.limit + 1);
    if (input.cursor !== undefined) {
      query = query.where("id", "<", decodeCursor("webhook-deliveries", input.cursor));
    }
    const rows = await query.execute();
    const page = rows.slice(0, input.limit);
    const last = page.at(-1);
    return {
      deliveries: page.map(toDelivery),
      nextCursor: rows.length > input.limit && last ? encodeCursor("webhook-deliveries", last.id) : null,
    };
  }

  /** Sends a delivery again (same `webhook-id`), now, whatever became of it. */
  async redeliver(
    session: AuthSession,
    webhookId: string,
    deliveryId: string,
    roomId?: string,
  ): Promise<WebhookDelivery> {
    await this.reachable(session, webhookId, roomId);
    const at = toTimestamp(this.deps.clock.now());
    const result = await this.deps.db
      .updateTable("webhook_deliveries")
      .set({ status: "pending", next_attempt_at: at, finished_at: null })
      .where("id", "=", deliveryId)
      .where("webhook_id", "=", webhookId)
      .executeTakeFirst();
    if (result.numUpdatedRows === 0n) throw new NatterError("WEBHOOK_DELIVERY_NOT_FOUND", "No such delivery");
    this.deps.onQueued();
    return this.delivery(webhookId, deliveryId);
  }

  private async delivery(webhookId: string, deliveryId: string): Promise<WebhookDelivery> {
    const row = await this.deps.db
      .selectFrom("webhook_deliveries")
      .selectAll()
      .where("id", "=", deliveryId)
      .where("webhook_id", "=", webhookId)
      .executeTakeFirst();
    if (!row) throw new NatterError("WEBHOOK_DELIVERY_NOT_FOUND", "No such delivery");
    return toDelivery(row);
  }

  private async insert(
    session: AuthSession,
    url: string,
    events: readonly WebhookEventType[],
    roomId: string | null,
  ): Promise<WebhookWithSecret> {
    requireEventsFit(events, roomId);
    await this.deps.policy.check(url);
    const now = this.deps.clock.now();
    const at = toTimestamp(now);
    const secret = newSecret();
    const row: WebhookRow = {
      id: uuidV7(now),
      url,
      events: JSON.stringify(unique(events)),
      room_id: roomId,
      created_by: session.userId,
      secret,
      previous_secret: null,
      previous_secret_expires_at: null,
      enabled: 1,
      disabled_reason: null,
      failing_since: null,
      created_at: at,
      updated_at: at,
    };
    await this.deps.db.transaction().execute(async (trx) => {
      await requireRoomForMore(trx, roomId);
      await trx.insertInto("webhooks").values(row).execute();
      await recordActivity(
        trx,
        { action: "webhook.created", actorId: session.userId, roomId, detail: { webhookId: row.id, url } },
        now,
      );
    });
    return { webhook: toWebhook(row), secret };
  }

  private async find(db: Kysely<Database>, webhookId: string): Promise<WebhookRow> {
    const row = await db.selectFrom("webhooks").selectAll().where("id", "=", webhookId).executeTakeFirst();
    if (!row) throw notFound();
    return row;
  }

  /**
   * The endpoint, once the caller may reach it: without `roomId` a server admin reaches any;
   * with it, the room's owner (or a server admin) reaches that room's endpoints only, and
   * another room's or a server-wide one is not found (as if it did not exist).
   */
  private async reachable(session: AuthSession, webhookId: string, roomId: string | undefined): Promise<WebhookRow> {
    if (roomId === undefined) await this.requireAdmin(session);
    else await this.requireRoomOwner(session, roomId);
    const row = await this.find(this.deps.db, webhookId);
    if (roomId !== undefined && row.room_id !== roomId) throw notFound();
    return row;
  }

  private async requireAdmin(session: AuthSession): Promise<void> {
    if (!(await isServerAdmin(this.deps.db, session.userId))) {
      throw new NatterError("FORBIDDEN", "Only server admins may do this");
    }
  }

  /** The room's owner, or a server admin (who finds closed rooms too). */
  private async requireRoomOwner(session: AuthSession, roomId: string): Promise<void> {
    const access = await moderatableRoom(this.deps.db, roomId, session);
    if (!access.serverAdmin) requireRole(access, "owner");
  }
}

/**
 * Kinds a room-scoped endpoint could never hear: accounts are server-wide, and its room was
 * created before it.
 */
const SERVER_WIDE_EVENTS: readonly WebhookEventType[] = ["user.created", "room.created"];

/** Room-scoped endpoints hear their room's events only. */
function requireEventsFit(events: readonly WebhookEventType[], roomId: string | null): void {
  const misfit = roomId === null ? undefined : events.find((type) => SERVER_WIDE_EVENTS.includes(type));
  if (misfit !== undefined) {
    const message = `${misfit} goes to server-wide endpoints only`;
    throw new NatterError("VALIDATION_FAILED", message, { issues: [{ path: "events", message }] });
  }
}

/** Refuses an endpoint past the server's or the room's limit. */
async function requireRoomForMore(trx: Transaction<Database>, roomId: string | null): Promise<void> {
  const count = async (scoped: boolean) => {
    let query = trx.selectFrom("webhooks").select((eb) => eb.fn.countAll<number | string>().as("n"));
    if (scoped && roomId !== null) query = query.where("room_id", "=", roomId);
    return Number((await query.executeTakeFirstOrThrow()).n);
  };
  if ((await count(false)) >= LIMITS.webhooksPerServerMax) {
    throw new NatterError("CONFLICT", `A server has at most ${LIMITS.webhooksPerServerMax} webhooks`);
  }
  if (roomId !== null && (await count(true)) >= LIMITS.webhooksPerRoomMax) {
    throw new NatterError("CONFLICT", `A room has at most ${LIMITS.webhooksPerRoomMax} webhooks`);
  }
}

function newSecret(): string {
  return `whsec_${randomBytes(32).toString("base64")}`;
}

function unique<T>(items: readonly T[]): T[] {
  return [...new Set(items)];
}

function notFound(): NatterError {
  return new NatterError("WEBHOOK_NOT_FOUND", "No such webhook");
}

function toWebhook(row: WebhookRow): Webhook {
  return {
    id: row.id,
    url: row.url,
    events: JSON.parse(row.events) as WebhookEventType[],
    roomId: row.room_id,
    enabled: row.enabled === 1,
    disabledReason: row.disabled_reason as Webhook["disabledReason"],
    failingSince: row.failing_since,
    previousSecretExpiresAt: row.previous_secret_expires_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function toDelivery(row: DeliveryRow): WebhookDelivery {
  return {
    id: row.id,
    webhookId: row.webhook_id,
    type: row.event_type,
    roomId: row.room_id,
    seq: row.seq,
    status: row.status,
    attempts: row.attempts,
    nextAttemptAt: row.status === "pending" ? row.next_attempt_at : null,
    lastAttempt:
      row.last_attempt_at === null
        ? null
        : {
            at: row.last_attempt_at,
            statusCode: row.last_status_code,
            durationMs: row.last_duration_ms ?? 0,
            error: row.last_error,
            response: row.last_response,
          },
    createdAt: row.created_at,
    finishedAt: row.finished_at,
  };
}
