import { type Database, type DatabaseEngine, type PushDeliveriesTable, preparedQuery } from "@natter/db";
import type { Kysely, Selectable } from "kysely";
import type { Logger } from "pino";
import { type Clock, toTimestamp } from "../../clock/clock.js";
import type { AttemptOutcome } from "../outbox/attempt-outcome.js";
import {
  type LeasedOutbox,
  LeasedOutboxWorker,
  type OutboxClaim,
  type OutboxState,
} from "../outbox/leased-outbox-worker.js";
import { markClaimed, outboxStateOf, outboxStateQuery, releaseClaims, sweepFinished } from "../outbox/outbox-rows.js";
import { retryDelayMs } from "../outbox/retry-schedule.js";
import { topicOfRoom } from "./push-outbox.js";
import type { ConnectedUsers, PushTransport } from "./push-ports.js";

/**
 * How long a notification is tried: a day, the `TTL` it is sent with; a notification older
 * than that tells of something the user has long seen or missed.
 */
export const PUSH_RETRY_WINDOW_MS = 24 * 3_600_000;
/** How long finished rows stay before the sweep deletes them. */
const FINISHED_KEPT_MS = 24 * 3_600_000;

/**
 * The due notifications that head their subscription's queue (none of the subscription's
 * pending ones is older), oldest due first: each subscription's notifications go in order.
 */
function dueHeads(db: Kysely<Database>, at: string, limit: number) {
  return db
    .selectFrom("push_deliveries as d")
    .select("d.id")
    .where("d.status", "=", "pending")
    .where("d.next_attempt_at", "<=", at)
    .where((eb) => eb.or([eb("d.claimed_until", "is", null), eb("d.claimed_until", "<", at)]))
    .where((eb) =>
      eb.not(
        eb.exists(
          eb
            .selectFrom("push_deliveries as e")
            .select("e.id")
            .whereRef("e.subscription_id", "=", "d.subscription_id")
            .where("e.status", "=", "pending")
            .whereRef("e.id", "<", "d.id"),
        ),
      ),
    )
    .orderBy("d.next_attempt_at")
    .orderBy("d.id")
    .limit(limit);
}

// Each poll of an idle worker runs this: prepared once, and outside any transaction, so that
// finding nothing due costs one statement, not BEGIN, a locking select and COMMIT.
const stateAt = preparedQuery((db, at: string) => outboxStateQuery(db, "push_deliveries", dueHeads(db, at, 1)));

export interface PushDeliveryWorkerDeps {
  db: Kysely<Database>;
  engine: DatabaseEngine;
  clock: Clock;
  /** Encrypts, signs and sends each notification. */
  sender: PushTransport;
  /** Who is connected now: they are not pushed to. */
  connected: ConnectedUsers;
  logger: Logger;
  /** How long one attempt may take; a claim lasts this plus a margin. */
  timeoutMs: number;
  /** How often the outbox is looked at (a local write looks at once: `nudge`). */
  pollIntervalMs: number;
}

type Delivery = Selectable<PushDeliveriesTable>;

/** A claimed notification and the subscription it goes to. */
interface Claimed {
  delivery: Delivery;
  endpoint: string;
  p256dh: string;
  auth: string;
}

/**
 * Sends the push outbox (through `LeasedOutboxWorker`, as webhook deliveries are sent): a
 * notification whose user is connected when its turn comes is skipped; otherwise it is
 * encrypted for the subscription and sent. 2xx: delivered; 404 or 410: the subscription is
 * gone and is deleted (with what was queued to it); 429, 5xx or no answer: tried again on the
 * retry schedule (honouring `Retry-After`) for a day; anything else: given up. One
 * subscription's notifications go in order, so the verdict on one (sent or skipped) comes
 * before the next's.
 */
export class PushDeliveryWorker implements LeasedOutbox<Claimed> {
  private readonly worker: LeasedOutboxWorker<Claimed>;
  private readonly counts = { delivered: 0, skipped: 0, retried: 0, failed: 0, gone: 0 };

  constructor(private readonly deps: PushDeliveryWorkerDeps) {
    this.worker = new LeasedOutboxWorker(this, {
      name: "push",
      logger: deps.logger,
      timeoutMs: deps.timeoutMs,
      pollIntervalMs: deps.pollIntervalMs,
      concurrency: 16,
      perGroupConcurrency: 1,
    });
  }

  /** Starts polling (see `LeasedOutboxWorker.start`). */
  start(): void {
    this.worker.start();
  }

  /** Looks for due notifications now: called after a local write queued some. */
  nudge(): void {
    this.worker.nudge();
  }

  /** Stops claiming, ends the attempts in flight and hands their notifications back at once. */
  stop(): Promise<void> {
    return this.worker.stop();
  }

  /** What this node's attempts came to since start, by outcome (`natter_push_*_total`). */
  totals(): Readonly<Record<"delivered" | "skipped" | "retried" | "failed" | "gone", number>> {
    return this.counts;
  }

  idOf({ delivery }: Claimed): string {
    return delivery.id;
  }

  groupOf({ delivery }: Claimed): string {
    return delivery.subscription_id;
  }

  async state(): Promise<OutboxState> {
    const { db, clock } = this.deps;
    return outboxStateOf((await stateAt(db, toTimestamp(clock.now()))).rows[0]);
  }

  async claim(limit: number, { nodeId, leaseMs }: OutboxClaim, saturated: readonly string[]): Promise<Claimed[]> {
    const { db, engine, clock } = this.deps;
    const now = clock.now();
    const at = toTimestamp(now);
    return db.transaction().execute(async (trx) => {
      let due = dueHeads(trx, at, limit);
      if (saturated.length > 0) due = due.where("d.subscription_id", "not in", saturated);
      if (engine === "postgres") due = due.forUpdate(["d"]).skipLocked();
      const ids = (await due.execute()).map((row) => row.id);
      if (ids.length === 0) return [];
      await markClaimed(trx, "push_deliveries", ids, nodeId, now + leaseMs);
      const rows = await trx
        .selectFrom("push_deliveries as d")
        .innerJoin("push_subscriptions as s", "s.id", "d.subscription_id")
        .selectAll("d")
        .select(["s.endpoint", "s.p256dh", "s.auth"])
        .where("d.id", "in", ids)
        .execute();
      const order = new Map(ids.map((id, index) => [id, index]));
      return rows
        .sort((a, b) => (order.get(a.id) ?? 0) - (order.get(b.id) ?? 0))
        .map(({ endpoint, p256dh, auth, ...delivery }) => ({ delivery, endpoint, p256dh, auth }));
    });
  }

  async attempt({ delivery, endpoint, p256dh, auth }: Claimed, nodeId: string, signal: AbortSignal): Promise<void> {
    const { sender, connected, logger } = this.deps;
    const watching = await connected.isConnected(delivery.user_id).catch((error: unknown) => {
      // Better a notification too many than none: an unknown answer counts as away.
      logger.warn({ err: error }, "whether a user is connected is unknown; pushing");
      return false;
    });
    if (watching === true) {
      await this.finish(delivery, nodeId, "skipped", { statusCode: null, error: null });
      return;
    }
    const outcome = await sender.send(
      { endpoint, keys: { p256dh, auth }, payload: delivery.payload, topic: topicOfRoom(delivery.room_id) },
      signal,
    );
    // Stopping: the attempt did not count; `stop` hands the notification back.
    if (signal.aborted) return;
    await this.record(delivery, outcome, nodeId);
  }

  release(nodeId: string): Promise<void> {
    return releaseClaims(this.deps.db, "push_deliveries", nodeId);
  }

  /** Deletes notifications finished more than a day ago. */
  sweep(): Promise<number> {
    return sweepFinished(this.deps.db, "push_deliveries", this.deps.clock.now() - FINISHED_KEPT_MS);
  }

  /** Stores how an attempt went, and what follows for the notification and its subscription. */
  private async record(delivery: Delivery, outcome: AttemptOutcome, nodeId: string): Promise<void> {
    const { db, clock, logger } = this.deps;
    const code = outcome.statusCode;
    const last = { statusCode: code, error: outcome.error };
    if (code !== null && code >= 200 && code < 300) {
      await this.finish(delivery, nodeId, "delivered", last);
      return;
    }
    if (code === 404 || code === 410) {
      // The browser unsubscribed or the push service dropped it: the cascade takes its queue.
      await db.deleteFrom("push_subscriptions").where("id", "=", delivery.subscription_id).execute();
      this.counts.gone += 1;
      logger.info({ subscription: delivery.subscription_id, status: code }, "push subscription gone: deleted");
      return;
    }
    const retryable = outcome.permanent !== true && (code === null || code === 429 || code >= 500);
    const now = clock.now();
    const attempts = delivery.attempts + 1;
    const nextAt = now + retryDelayMs(attempts, outcome.retryAfterMs);
    if (!retryable || nextAt > Date.parse(delivery.created_at) + PUSH_RETRY_WINDOW_MS) {
      await this.finish(delivery, nodeId, "failed", last);
      return;
    }
    await db
      .updateTable("push_deliveries")
      .set({
        attempts,
        claimed_by: null,
        claimed_until: null,
        next_attempt_at: toTimestamp(nextAt),
        last_status_code: code,
        last_error: outcome.error,
      })
      .where("id", "=", delivery.id)
      .where("claimed_by", "=", nodeId)
      .execute();
    this.counts.retried += 1;
  }

  private async finish(
    delivery: Delivery,
    nodeId: string,
    status: "delivered" | "skipped" | "failed",
    last: { statusCode: number | null; error: string | null },
  ): Promise<void> {
    const at = toTimestamp(this.deps.clock.now());
    await this.deps.db
      .updateTable("push_deliveries")
      .set({
        status,
        attempts: delivery.attempts + (status === "skipped" ? 0 : 1),
        claimed_by: null,
        claimed_until: null,
        last_status_code: last.statusCode,
        last_error: last.error,
        finished_at: at,
      })
      .where("id", "=", delivery.id)
      .where("claimed_by", "=", nodeId)
      .execute();
    this.counts[status] += 1;
  }
}
