import { type Database, type DatabaseEngine, preparedQuery } from "@natter/db";
import { type Kysely, sql } from "kysely";
import type { Logger } from "pino";
import { type Clock, toTimestamp } from "../../clock/clock.js";
import { recordActivity } from "../activity/activity-log.js";
import {
  type LeasedOutbox,
  LeasedOutboxWorker,
  type OutboxClaim,
  type OutboxState,
} from "../outbox/leased-outbox-worker.js";
import { markClaimed, outboxStateOf, outboxStateQuery, releaseClaims, sweepFinished } from "../outbox/outbox-rows.js";
import { RETRY_WINDOW_MS, retryDelayMs } from "../outbox/retry-schedule.js";
import type { AttemptOutcome, WebhookTransport } from "./webhook-ports.js";

/** How long finished deliveries stay listed before the sweep deletes them. */
const FINISHED_KEPT_MS = 7 * 24 * 3_600_000;

/**
 * How long a local write's wake-up waits for more (ms): the sends of that while are claimed,
 * sent and recorded together, which costs a fraction of a claim per send; a delivery leaves
 * this much later. 100 ms rather than 20: one send every 10 ms shares a claim transaction
 * with 9 others instead of 1 (bench:webhooks, CPU per send with its delivery 1.40x -> 1.29x
 * side by side at load 10-11), and a receiver does not notice a tenth of a second.
 */
const WAKE_DELAY_MS = 100;

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

/** What the claim reads of a delivery, and of the endpoint it goes to. */
interface Delivery {
  id: string;
  webhook_id: string;
  room_id: string | null;
  seq: number | null;
  payload: string;
  attempts: number;
  created_at: string;
  url: string;
  secret: string;
  previous_secret: string | null;
  previous_secret_expires_at: string | null;
}

/**
 * A claimed lane: deliveries of one room to one endpoint, in seq order (or one delivery that
 * is of no room), sent one after the other.
 */
interface Lane {
  deliveries: Delivery[];
  /** Until when (ms) this node's claim on them lasts. */
  claimedUntil: number;
}

/** Deliveries of one room one lane holds at most: a burst is sent without a claim per delivery. */
const LANE_MAX = 32;

/** What a claim selects: the delivery and the endpoint's address and secrets, in one statement. */
function dueDeliveries(db: Kysely<Database>) {
  return db
    .selectFrom("webhook_deliveries as d")
    .innerJoin("webhooks as w", "w.id", "d.webhook_id")
    .select([
      "d.id",
      "d.webhook_id",
      "d.room_id",
      "d.seq",
      "d.payload",
      "d.attempts",
      "d.created_at",
      "w.url",
      "w.secret",
      "w.previous_secret",
      "w.previous_secret_expires_at",
    ])
    .where("d.status", "=", "pending")
    .where("w.enabled", "=", 1);
}

/** The due heads: pending, due, unclaimed (or claimed by a lapsed lease), with no earlier pending delivery of their room. */
function dueHeads(db: Kysely<Database>, at: string, limit: number) {
  return dueDeliveries(db)
    .where("d.next_attempt_at", "<=", at)
    .where((eb) => eb.or([eb("d.claimed_until", "is", null), eb("d.claimed_until", "<", at)]))
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
}

// Each wake-up of an idle worker runs this: prepared once, and outside any transaction, so
// that finding nothing due takes no write lock and no commit.
const stateAt = preparedQuery((db, at: string) =>
  outboxStateQuery(db, "webhook_deliveries", dueHeads(db, at, 1).clearSelect().select("d.id")),
);
const headsSqlite = preparedQuery((db, at: string, limit: number) => dueHeads(db, at, limit));
const headsPostgres = preparedQuery((db, at: string, limit: number) =>
  dueHeads(db, at, limit).forUpdate(["d"]).skipLocked(),
);

/**
 * The pending deliveries after a head, of its room and endpoint, in seq order. None of them
 * can be claimed by another node while the head is pending, so the claim takes them with it.
 */
const followers = preparedQuery((db, webhookId: string, roomId: string, seq: number, limit: number) =>
  dueDeliveries(db)
    .select(["d.next_attempt_at", "d.claimed_until"])
    .where("d.webhook_id", "=", webhookId)
    .where("d.room_id", "=", roomId)
    .where("d.seq", ">", seq)
    .orderBy("d.seq")
    .limit(limit),
);

/** One 2xx answer as the batch statement reads it (JSON): the delivery, and what its attempt was. */
interface DeliveredRow {
  id: string;
  /** The delivery's attempts, this one counted. */
  n: number;
  /** When the attempt began, its status code, its duration (ms) and the first 1 KB of the answer. */
  a: string;
  c: number;
  d: number;
  r: string | null;
}

/**
 * Records a batch of 2xx answers in one statement, whatever its size: the rows go as one JSON
 * array, read as a table (`json_each` on SQLite, `jsonb_to_recordset` on PostgreSQL), joined
 * to the deliveries by primary key. Only rows `nodeId` still holds change: a delivery whose
 * claim lapsed and was taken by another node is that node's to record.
 */
async function markDelivered(
  db: Kysely<Database>,
  engine: DatabaseEngine,
  rows: readonly DeliveredRow[],
  nodeId: string,
  at: string,
): Promise<void> {
  const json = JSON.stringify(rows);
  const set = sql`status = 'delivered', claimed_by = null, claimed_until = null, last_error = null, finished_at = ${at}`;
  if (engine === "sqlite") {
    await sql`update webhook_deliveries set ${set}, attempts = j.value ->> 'n', last_attempt_at = j.value ->> 'a',
      last_status_code = j.value ->> 'c', last_duration_ms = j.value ->> 'd', last_response = j.value ->> 'r'
      from json_each(${json}) as j
      where webhook_deliveries.id = j.value ->> 'id' and webhook_deliveries.claimed_by = ${nodeId}`.execute(db);
    return;
  }
  await sql`update webhook_deliveries as w set ${set}, attempts = j.n, last_attempt_at = j.a,
    last_status_code = j.c, last_duration_ms = j.d, last_response = j.r
    from jsonb_to_recordset(${json}::jsonb) as j(id text, n bigint, a text, c bigint, d bigint, r text)
    where w.id = j.id collate "C" and w.claimed_by = ${nodeId}`.execute(db);
}

/** Endpoints that answered are not failing: changes only failing ones. */
function markAnswering(db: Kysely<Database>, webhookIds: readonly string[]) {
  return db
    .updateTable("webhooks")
    .set({ failing_since: null })
    .where("id", "in", webhookIds)
    .where("failing_since", "is not", null)
    .execute();
}

/** A delivery answered 2xx, waiting to be written with the others of its turn. */
interface Delivered {
  delivery: Delivery;
  outcome: AttemptOutcome;
  startedAt: number;
  nodeId: string;
}

/**
 * Sends the outbox of webhook deliveries (through `LeasedOutboxWorker`): claims due
 * deliveries for a lease, sends each, and records how it went: delivered, retried later on
 * the schedule (honouring `Retry-After`), or given up. A claim whose node died lapses after
 * the lease and another node, or the restarted one, sends it again with the same
 * `webhook-id`: receivers deduplicate on it, and no delivery is lost or made twice.
 *
 * Order and fairness: a delivery of a room to an endpoint is claimed only once every earlier
 * (lower seq) delivery of that room to that endpoint is finished, so each receiver sees a
 * room's events in seq order; the claim takes the head of each room's queue together with
 * the deliveries behind it (a lane, up to `LANE_MAX`), which are sent one after the other,
 * and a failure hands the rest of its lane back. Everything else runs side by side: up to
 * `concurrency` lanes on this node, of which at most `perEndpointConcurrency` to one endpoint.
 *
 * Cost: local writes and finished attempts wake the worker after `WAKE_DELAY_MS`, so the
 * deliveries of that while are claimed in one transaction, which also records the 2xx answers
 * since the last one; a wake-up that finds nothing to do takes no write lock.
 */
export class WebhookDeliveryWorker implements LeasedOutbox<Lane> {
  private readonly worker: LeasedOutboxWorker<Lane>;
  /** 2xx answers not yet written: the next claim writes them. */
  private delivered: Delivered[] = [];

  constructor(private readonly deps: WebhookDeliveryWorkerDeps) {
    this.worker = new LeasedOutboxWorker(this, {
      name: "webhook delivery",
      logger: deps.logger,
      timeoutMs: deps.timeoutMs,
      pollIntervalMs: deps.pollIntervalMs,
      concurrency: deps.concurrency ?? 16,
      perGroupConcurrency: deps.perEndpointConcurrency ?? 4,
      wakeDelayMs: WAKE_DELAY_MS,
    });
  }

  /** Starts polling (see `LeasedOutboxWorker.start`). */
  start(): void {
    this.worker.start();
  }

  /** Looks for due deliveries soon: called after a local write queued some. */
  wake(): void {
    this.worker.wake();
  }

  /** Stops claiming, ends the attempts in flight and hands their deliveries back at once. */
  stop(): Promise<void> {
    return this.worker.stop();
  }

  idOf({ deliveries }: Lane): string {
    return (deliveries[0] as Delivery).id;
  }

  groupOf({ deliveries }: Lane): string {
    return (deliveries[0] as Delivery).webhook_id;
  }

  async release(nodeId: string): Promise<void> {
    await this.deps.db.transaction().execute((trx) => this.writeDelivered(trx));
    await releaseClaims(this.deps.db, "webhook_deliveries", nodeId);
  }

  /** Deletes deliveries finished more than a week ago. */
  sweep(): Promise<number> {
    return sweepFinished(this.deps.db, "webhook_deliveries", this.deps.clock.now() - FINISHED_KEPT_MS);
  }

  /** Due deliveries, or 2xx answers to write (the next claim writes them), count as due. */
  async state(): Promise<OutboxState> {
    if (this.delivered.length > 0) return "due";
    const { db, clock } = this.deps;
    return outboxStateOf((await stateAt(db, toTimestamp(clock.now()))).rows[0]);
  }

  /** Claims up to `limit` lanes of due deliveries for this node's lease. */
  async claim(limit: number, { nodeId, leaseMs }: OutboxClaim, saturated: readonly string[]): Promise<Lane[]> {
    const { db, engine, clock } = this.deps;
    const now = clock.now();
    const at = toTimestamp(now);
    const answers = this.delivered;
    return db
      .transaction()
      .execute(async (trx) => {
        // First the answers since the last claim: a delivery recorded lets the next of its room go.
        await this.writeDelivered(trx);
        let heads: Delivery[];
        if (saturated.length > 0) {
          let query = dueHeads(trx, at, limit).where("d.webhook_id", "not in", saturated);
          if (engine === "postgres") query = query.forUpdate(["d"]).skipLocked();
          heads = await query.execute();
        } else {
          heads = (await (engine === "postgres" ? headsPostgres : headsSqlite)(trx, at, limit)).rows;
        }
        const lanes: Lane[] = [];
        for (const head of heads) {
          const deliveries = [head];
          if (head.room_id !== null && head.seq !== null) {
            // Only the unbroken run of due, unclaimed deliveries right behind the head.
            for (const next of (await followers(trx, head.webhook_id, head.room_id, head.seq, LANE_MAX - 1)).rows) {
              if (next.next_attempt_at > at || (next.claimed_until !== null && next.claimed_until >= at)) break;
              deliveries.push(next);
            }
          }
          lanes.push({ deliveries, claimedUntil: now + leaseMs });
        }
        const ids = lanes.flatMap((lane) => lane.deliveries.map((delivery) => delivery.id));
        if (ids.length > 0) await markClaimed(trx, "webhook_deliveries", ids, nodeId, now + leaseMs);
        return lanes;
      })
      .catch((error: unknown) => {
        // Not committed: the answers are written by the next claim.
        this.delivered = [...answers, ...this.delivered];
        throw error;
      });
  }

  /**
   * Sends a lane's deliveries in order while each is answered 2xx; a failure is recorded
   * (retried later, or given up) and hands the rest back, which stay behind it in order. So
   * does a claim that would lapse before the next attempt could end.
   */
  async attempt(lane: Lane, nodeId: string, signal: AbortSignal): Promise<void> {
    const { clock, sender, timeoutMs } = this.deps;
    for (const [index, delivery] of lane.deliveries.entries()) {
      const now = clock.now();
      if (index > 0 && now + timeoutMs >= lane.claimedUntil) {
        await this.handBack(lane.deliveries.slice(index), nodeId);
        return;
      }
      const secrets = [delivery.secret];
      if (
        delivery.previous_secret &&
        delivery.previous_secret_expires_at &&
        delivery.previous_secret_expires_at > toTimestamp(now)
      ) {
        secrets.push(delivery.previous_secret);
      }
      const outcome = await sender.send(
        { url: delivery.url, id: delivery.id, body: delivery.payload, secrets },
        now,
        signal,
      );
      // Stopping: the attempt did not count; `stop` hands the deliveries back.
      if (signal.aborted) return;
      const code = outcome.statusCode;
      if (code !== null && code >= 200 && code < 300) {
        this.recordDelivered({ delivery, outcome, startedAt: now, nodeId });
        continue;
      }
      await this.recordFailed(delivery, outcome, now, nodeId);
      await this.handBack(lane.deliveries.slice(index + 1), nodeId);
      return;
    }
  }

  /** Hands back the claim on deliveries this node will not send now. */
  private async handBack(deliveries: readonly Delivery[], nodeId: string): Promise<void> {
    if (deliveries.length === 0) return;
    await this.deps.db
      .updateTable("webhook_deliveries")
      .set({ claimed_by: null, claimed_until: null })
      .where(
        "id",
        "in",
        deliveries.map((delivery) => delivery.id),
      )
      .where("claimed_by", "=", nodeId)
      .execute();
  }

  /**
   * Keeps a 2xx answer to be written by the next claim's transaction, which follows within
   * the wake-up delay (or by `release` when stopping): the answers of that while cost one
   * commit, shared with the claim. The claim on the delivery holds it meanwhile; should the
   * node die first, the lease lapses and the delivery is sent again with its `webhook-id`.
   */
  private recordDelivered(item: Delivered): void {
    this.delivered.push(item);
  }

  /** Writes the kept 2xx answers in `trx`. */
  private async writeDelivered(trx: Kysely<Database>): Promise<void> {
    if (this.delivered.length === 0) return;
    const batch = this.delivered;
    this.delivered = [];
    const byNode = new Map<string, DeliveredRow[]>();
    for (const { delivery, outcome, startedAt, nodeId } of batch) {
      const rows = byNode.get(nodeId) ?? [];
      byNode.set(nodeId, rows);
      rows.push({
        id: delivery.id,
        n: delivery.attempts + 1,
        a: toTimestamp(startedAt),
        c: outcome.statusCode as number,
        d: outcome.durationMs,
        r: outcome.response,
      });
    }
    // One node's worker: one statement for the batch.
    const at = toTimestamp(this.deps.clock.now());
    for (const [nodeId, rows] of byNode) await markDelivered(trx, this.deps.engine, rows, nodeId, at);
    // An endpoint that answered is not failing, even if it began to fail after the claim
    // (another room's attempt).
    await markAnswering(trx, [...new Set(batch.map(({ delivery }) => delivery.webhook_id))]);
  }

  /** Stores a failed attempt, and what follows for the delivery and its endpoint. */
  private async recordFailed(
    delivery: Delivery,
    outcome: AttemptOutcome,
    startedAt: number,
    nodeId: string,
  ): Promise<void> {
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
        query.where("id", "=", delivery.id).where("claimed_by", "=", nodeId);
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
