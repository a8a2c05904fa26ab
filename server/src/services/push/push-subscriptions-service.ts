import type { PushSubscriptionsTable } from "@natter/db";
import { type Database, type DatabaseEngine, isUniqueViolation, uuidV7 } from "@natter/db";
import { LIMITS, NatterError, type PushSubscribeInput, type PushSubscriptionInfo } from "@natter/shared";
import type { Kysely, Selectable } from "kysely";
import type { AuthSession } from "../../auth/auth-session.js";
import { type Clock, toTimestamp } from "../../clock/clock.js";
import type { WebhookUrlCheck } from "../webhooks/webhook-ports.js";
import type { VapidKeys } from "./push-ports.js";

export interface PushSubscriptionsServiceDeps {
  db: Kysely<Database>;
  engine: DatabaseEngine;
  clock: Clock;
  /** Refuses endpoints on private, loopback and metadata addresses (unless allowed). */
  policy: WebhookUrlCheck;
  vapid: VapidKeys;
}

/** Times a subscription is tried again after it met a concurrent one of the same endpoint. */
const SUBSCRIBE_ATTEMPTS = 3;

/**
 * Users' Web Push subscriptions: one per browser (endpoint), at most
 * `LIMITS.pushSubscriptionsPerUserMax` per user. Subscribing an endpoint again updates its
 * keys; an endpoint subscribed by another account moves to the caller (the browser signed in
 * as someone else), so a browser never gets another person's notifications.
 */
export class PushSubscriptionsService {
  constructor(private readonly deps: PushSubscriptionsServiceDeps) {}

  /** The server's VAPID public key, for `PushManager.subscribe({ applicationServerKey })`. */
  publicKey(): { publicKey: string } {
    return { publicKey: this.deps.vapid.publicKey };
  }

  /** Adds (or updates) the caller's subscription of `input.endpoint`; `created` says which. */
  async subscribe(
    session: AuthSession,
    input: PushSubscribeInput,
  ): Promise<{ subscription: PushSubscriptionInfo; created: boolean }> {
    await this.deps.policy.check(input.endpoint);
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.subscribeOnce(session.userId, input);
      } catch (error) {
        if (!isUniqueViolation(error) || attempt === SUBSCRIBE_ATTEMPTS) throw error;
      }
    }
  }

  /** The caller's subscriptions, oldest first (at most `LIMITS.pushSubscriptionsPerUserMax`). */
  async list(session: AuthSession): Promise<{ subscriptions: PushSubscriptionInfo[] }> {
    const rows = await this.deps.db
      .selectFrom("push_subscriptions")
      .selectAll()
      .where("user_id", "=", session.userId)
      .orderBy("created_at")
      .orderBy("id")
      .limit(LIMITS.pushSubscriptionsPerUserMax)
      .execute();
    return { subscriptions: rows.map(toInfo) };
  }

  /** Deletes one of the caller's subscriptions, with its pending notifications. */
  async unsubscribe(session: AuthSession, id: string): Promise<{ id: string; deleted: true }> {
    const result = await this.deps.db
      .deleteFrom("push_subscriptions")
      .where("id", "=", id)
      .where("user_id", "=", session.userId)
      .executeTakeFirst();
    if (Number(result.numDeletedRows) === 0) {
      throw new NatterError("PUSH_SUBSCRIPTION_NOT_FOUND", "No such push subscription");
    }
    return { id, deleted: true };
  }

  private async subscribeOnce(
    userId: string,
    { endpoint, keys }: PushSubscribeInput,
  ): Promise<{ subscription: PushSubscriptionInfo; created: boolean }> {
    const { db, engine, clock } = this.deps;
    const now = clock.now();
    const at = toTimestamp(now);
    return db.transaction().execute(async (trx) => {
      // The user's row is the lock that keeps two subscriptions at once under the ceiling.
      let owner = trx.selectFrom("users").select("id").where("id", "=", userId);
      if (engine === "postgres") owner = owner.forUpdate();
      await owner.executeTakeFirst();
      const existing = await trx
        .selectFrom("push_subscriptions")
        .selectAll()
        .where("endpoint", "=", endpoint)
        .executeTakeFirst();
      if (existing?.user_id === userId) {
        const updated = await trx
          .updateTable("push_subscriptions")
          .set({ p256dh: keys.p256dh, auth: keys.auth, updated_at: at })
          .where("id", "=", existing.id)
          .returningAll()
          .executeTakeFirstOrThrow();
        return { subscription: toInfo(updated), created: false };
      }
      if (existing) await trx.deleteFrom("push_subscriptions").where("id", "=", existing.id).execute();
      const { count } = await trx
        .selectFrom("push_subscriptions")
        .select((eb) => eb.fn.countAll<number | string>().as("count"))
        .where("user_id", "=", userId)
        .executeTakeFirstOrThrow();
      if (Number(count) >= LIMITS.pushSubscriptionsPerUserMax) {
        throw new NatterError(
          "TOO_MANY_PUSH_SUBSCRIPTIONS",
          `A user may hold at most ${LIMITS.pushSubscriptionsPerUserMax} push subscriptions; delete one first`,
        );
      }
      const row = await trx
        .insertInto("push_subscriptions")
        .values({
          id: uuidV7(now),
          user_id: userId,
          endpoint,
          p256dh: keys.p256dh,
          auth: keys.auth,
          created_at: at,
          updated_at: at,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return { subscription: toInfo(row), created: true };
    });
  }
}

function toInfo(row: Selectable<PushSubscriptionsTable>): PushSubscriptionInfo {
  return { id: row.id, endpoint: row.endpoint, createdAt: row.created_at };
}
