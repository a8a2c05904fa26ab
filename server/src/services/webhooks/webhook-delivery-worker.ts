import { randomUUID } from "node:crypto";
import { setMaxListeners } from "node:events";
import type { Database, DatabaseEngine, WebhookDeliveriesTable, WebhooksTable } from "@natter/db";
import type { Kysely, Selectable } from "kysely";
import type { Logger } from "pino";
import { type Clock, toTimestamp } from "../../clock/clock.js";
import { recordActivity } from "../activity/activity-log.js";
import { RETRY_WINDOW_MS, retryDelayMs } from "./retry-schedule.js";
import type { AttemptOutcome, WebhookTransport } from "./webhook-ports.js";

/** How long finished deliveries stay listed before the sweep deletes them. */
const FINISHED_KEPT_MS = 7 * 24 * 3_600_000;
/** How often the sweep runs, and how many rows one of its statements deletes. */
const SWEEP_INTERVAL_MS = 10 * 60_000;
const SWEEP_BATCH = 1000;

export interface WebhookDeliveryWorkerDeps {
  db: Kysely<Database>;
  engine: DatabaseEngine;
  clock: Clock;
  /** Sends each attempt, signed, over the network. */
  sender: WebhookTransport;
  logger: Logger;
  /** How long one attempt may take; a claim lasts this plus a margin. */
  timeoutMs: number;
  /** How often the outbox is looked at for due deliveries (a local write looks at once). */
  pollIntervalMs: number;
  /** Attempts in flight at once on this node, and to one endpoint. */
  concurrency?: number;
  perEndpointConcurrency?: number;
}

type Delivery = Selectable<WebhookDeliveriesTable>;
type Endpoint = Pick<
  Selectable<WebhooksTable>,
  "id" | "url" | "secret" | "previous_secret" | "previous_secret_expires_at"
>;

/**
 * Sends the outbox: claims due deliveries for a lease (`FOR UPDATE SKIP LOCKED` on
 * PostgreSQL, so that each is claimed by one node at a time; SQLite has a single writer),
 * sends each, and records how it went: delivered, retried later on the schedule (honouring
 * `Retry-After`), or given up. A claim whose node died lapses after the lease and another
 * node, or the restarted one, sends it again with the same `webhook-id`: receivers
 * deduplicate on it, and no delivery is lost or made twice.
 *
 * Order and fairness: a delivery of a room to an endpoint is claimed only once every earlier
 * (lower seq) delivery of that room to that endpoint is finished, so each receiver sees a
 * room's events in seq order. Everything else runs side by side: up to `concurrency` attempts
 * on this node, of which at most `perEndpointConcurrency` to one endpoint, so a slow or hanging
 * endpoint holds a few slots for at most the timeout each and never holds up other endpoints.
 */
export class WebhookDeliveryWorker {
  private readonly nodeId = randomUUID();
  private readonly inFlight = new Map<string, string>();
  private readonly abort = new AbortController();
  private pollTimer: NodeJS.Timeout | undefined;
  private sweepTimer: NodeJS.Timeout | undefined;
  private polling: Promise<void> | undefined;
  private pollAgain = false;
  private readonly attempts = new Set<Promise<void>>();
  private stopped = false;

  constructor(private readonly deps: WebhookDeliveryWorkerDeps) {
    // Each attempt in flight listens for the stop (up to `concurrency` at once): more than
    // Node's default of 10 is expected, not a leak.
    setMaxListeners(this.concurrency + 1, this.abort.signal);
  }

  private get concurrency(): number {
    return this.deps.concurrency ?? 16;
  }

  private get perEndpoint(): number {
    return this.deps.perEndpointConcurrency ?? 4;
  }

  private get leaseMs(): number {
    return this.deps.timeoutMs + 5_000;
  }

  /**
   * Starts polling. Claims of a node that died (even this node's predecessor on the same
   * SQLite file) are not freed here: other live nodes may share the database, so they lapse
   * with their lease.
   */
  start(): void {
    this.pollTimer = setInterval(() => this.nudge(), this.deps.pollIntervalMs);
    this.pollTimer.unref();
    this.sweepTimer = setInterval(() => {
      this.sweep().catch((error: unknown) => this.deps.logger.error({ err: error }, "webhook delivery sweep failed"));
    }, SWEEP_INTERVAL_MS);
    this.sweepTimer.unref();
    this.nudge();
  }

  /** Looks for due deliveries now: called after a local write queued some. */
  nudge(): void {
    if (this.stopped) return;
    if (this.polling) {
      this.pollAgain = true;
      return;
    }
    this.polling = this.claimAndSend()
      .catch((error: unknown) => this.deps.logger.error({ err: error }, "webhook delivery poll failed"))
      .finally(() => {
        this.polling = undefined;
        if (this.pollAgain) {
          this.pollAgain = false;
          this.nudge();
        }
      });
  }

  /** Stops claiming, ends the attempts in flight and hands their deliveries back at once. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.pollTimer);
    clearInterval(this.sweepTimer);
    this.abort.abort();
    await this.polling;
    await Promise.all([...this.attempts]);
    await this.deps.db
      .updateTable("webhook_deliveries")
      .set({ claimed_by: null, claimed_until: null })
      .where("claimed_by", "=", this.nodeId)
      .where("status", "=", "pending")
      .execute()
      .catch((error: unknown) => this.deps.logger.warn({ err: error }, "webhook claims not handed back"));
  }

  /** Deletes deliveries finished more than a week ago. */
  async sweep(): Promise<number> {
    const cutoff = toTimestamp(this.deps.clock.now() - FINISHED_KEPT_MS);
    const { db } = this.deps;
    const result = await db
      .deleteFrom("webhook_deliveries")
      .where("id", "in", (eb) =>
        eb.selectFrom("webhook_deliveries").select("id").where("finished_at", "<", cutoff).limit(SWEEP_BATCH),
      )
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  private async claimAndSend(): Promise<void> {
    const free = this.concurrency - this.inFlight.size;
    if (free <= 0 || this.stopped) return;
    const claimed = await this.claim(free);
    for (const { delivery, endpoint } of claimed) {
      this.inFlight.set(delivery.id, delivery.webhook_id);
      const attempt = this.attempt(delivery, endpoint)
        .catch((error: unknown) =>
          this.deps.logger.error({ err: error, delivery: delivery.id }, "webhook attempt failed"),
        )
        .finally(() => {
          this.inFlight.delete(delivery.id);
          this.attempts.delete(attempt);
          // A finished delivery may let the next one of its room go, and frees a slot.
          this.nudge();
        });
      this.attempts.add(attempt);
    }
  }

  /** Claims up to `limit` due deliveries for this node's lease, with their endpoints. */
  private async claim(limit: number): Promise<{ delivery: Delivery; endpoint: Endpoint }[]> {
    const { db, engine, clock } = this.deps;
    const now = clock.now();
    const at = toTimestamp(now);
    const busy = new Map<string, number>();
    for (const webhookId of this.inFlight.values()) busy.set(webhookId, (busy.get(webhookId) ?? 0) + 1);
    const saturated = [...busy].filter(([, count]) => count >= this.perEndpoint).map(([id]) => id);
    return db.transaction().execute(async (trx) => {
      let due = trx
        .selectFrom("webhook_deliveries as d")
        .innerJoin("webhooks as w", "w.id", "d.webhook_id")
        .select("d.id")
        .where("d.status", "=", "pending")
        .where("d.next_attempt_at", "<=", at)
        .where((eb) => eb.or([eb("d.claimed_until", "is", null), eb("d.claimed_until", "<", at)]))
        .where("w.enabled", "=", 1)
        .where((eb) =>
          eb.not(
            eb.exists(
              eb
                .selectFrom("webhook_deliveries as e")
                .select("e.id")
                .whereRef("e.webhook_id", "=", "d.webhook_id")
                .whereRef("e.room_id", "=", "d.room_id")
                .where("e.status", "=", "pending")
                .whereRef("e.seq", "<", "d.seq"),
            ),
          ),
        )
        .orderBy("d.next_attempt_at")
        .orderBy("d.id")
        .limit(limit);
      if (saturated.length > 0) due = due.where("d.webhook_id", "not in", saturated);
      if (engine === "postgres") due = due.forUpdate(["d"]).skipLocked();
      const ids = (await due.execute()).map((row) => row.id);
      if (ids.length === 0) return [];
      const deliveries = await trx
        .updateTable("webhook_deliveries")
        .set({ claimed_by: this.nodeId, claimed_until: toTimestamp(now + this.leaseMs) })
        .where("id", "in", ids)
        .returningAll()
        .execute();
      const endpoints = await trx
        .selectFrom("webhooks")
        .select(["id", "url", "secret", "previous_secret", "previous_secret_expires_at"])
        .where("id", "in", [...new Set(deliveries.map((d) => d.webhook_id))])
        .execute();
      const byId = new Map(endpoints.map((endpoint) => [endpoint.id, endpoint]));
      // Claimed in the order they are due, so that the first due is the first sent.
      const order = new Map(ids.map((id, index) => [id, index]));
      return deliveries
        .sort((a, b) => (order.get(a.id) ?? 0) - (order.get(b.id) ?? 0))
        .flatMap((delivery) => {
          const endpoint = byId.get(delivery.webhook_id);
          return endpoint ? [{ delivery, endpoint }] : [];
        });
    });
  }

  private async attempt(delivery: Delivery, endpoint: Endpoint): Promise<void> {
    const { clock, sender } = this.deps;
    const now = clock.now();
    const secrets = [endpoint.secret];
    if (
      endpoint.previous_secret &&
      endpoint.previous_secret_expires_at &&
      endpoint.previous_secret_expires_at > toTimestamp(now)
    ) {
      secrets.push(endpoint.previous_secret);
    }
    const outcome = await sender.send(
      { url: endpoint.url, id: delivery.id, body: delivery.payload, secrets },
      now,
      this.abort.signal,
    );
    // Stopping: the attempt did not count; `stop` hands the delivery back.
    if (this.abort.signal.aborted) return;
    await this.record(delivery, outcome, now);
  }

  /** Stores how an attempt went, and what follows for the delivery and its endpoint. */
  private async record(delivery: Delivery, outcome: AttemptOutcome, startedAt: number): Promise<void> {
    const { db, clock, logger } = this.deps;
    const now = clock.now();
    const at = toTimestamp(now);
    const attempts = delivery.attempts + 1;
    const last = {
      attempts,
      claimed_by: null,
      claimed_until: null,
      last_attempt_at: toTimestamp(startedAt),
      last_status_code: outcome.statusCode,
      last_duration_ms: outcome.durationMs,
      last_error: outcome.error,
      last_response: outcome.response,
    };
    const code = outcome.statusCode;
    await db.transaction().execute(async (trx) => {
      const mine = (query: ReturnType<typeof trx.updateTable<"webhook_deliveries">>) =>
        query.where("id", "=", delivery.id).where("claimed_by", "=", this.nodeId);
      if (code !== null && code >= 200 && code < 300) {
        await mine(
          trx.updateTable("webhook_deliveries").set({ ...last, status: "delivered", finished_at: at }),
        ).execute();
        await trx
          .updateTable("webhooks")
          .set({ failing_since: null })
          .where("id", "=", delivery.webhook_id)
          .where("failing_since", "is not", null)
          .execute();
        return;
      }
      if (code === 410) {
        await mine(trx.updateTable("webhook_deliveries").set({ ...last, status: "failed", finished_at: at })).execute();
        await disable(trx, delivery.webhook_id, "gone", now);
        logger.warn({ webhook: delivery.webhook_id }, "webhook endpoint answered 410 Gone: disabled");
        return;
      }
      const nextAt = now + retryDelayMs(attempts, outcome.retryAfterMs);
      const giveUp = nextAt > Date.parse(delivery.created_at) + RETRY_WINDOW_MS;
      await mine(
        trx
          .updateTable("webhook_deliveries")
          .set(
            giveUp
              ? { ...last, status: "failed", finished_at: at }
              : { ...last, status: "pending", next_attempt_at: toTimestamp(nextAt) },
          ),
      ).execute();
      const endpoint = await trx
        .selectFrom("webhooks")
        .select(["failing_since", "enabled"])
        .where("id", "=", delivery.webhook_id)
        .executeTakeFirst();
      if (!endpoint) return;
      if (endpoint.failing_since === null) {
        await trx.updateTable("webhooks").set({ failing_since: at }).where("id", "=", delivery.webhook_id).execute();
      } else if (endpoint.enabled === 1 && now - Date.parse(endpoint.failing_since) >= RETRY_WINDOW_MS) {
        await disable(trx, delivery.webhook_id, "failing", now);
        logger.warn({ webhook: delivery.webhook_id }, "webhook endpoint failing for 3 days: disabled");
      }
    });
  }
}

/** Disables an endpoint and says so in the activity log. */
async function disable(
  trx: Kysely<Database>,
  webhookId: string,
  reason: "gone" | "failing",
  now: number,
): Promise<void> {
  const at = toTimestamp(now);
  await trx
    .updateTable("webhooks")
    .set({ enabled: 0, disabled_reason: reason, updated_at: at })
    .where("id", "=", webhookId)
    .execute();
  await recordActivity(trx, { action: "webhook.disabled", actorId: null, detail: { webhookId, reason } }, now);
}
