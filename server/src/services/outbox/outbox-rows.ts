import type { Database } from "@natter/db";
import type { Kysely, SelectQueryBuilder } from "kysely";
import { toTimestamp } from "../../clock/clock.js";
import type { OutboxState } from "./leased-outbox-worker.js";

/** The outbox tables: rows with a status, a claim (`claimed_by` until `claimed_until`) and a finish. */
export type OutboxTable = "webhook_deliveries" | "push_deliveries";

/** How many rows one statement of a sweep deletes. */
const SWEEP_BATCH = 1000;

/**
 * One row saying what an outbox holds: whether `due` (a query of the rows to claim now)
 * finds any, and whether any row of `table` is pending at all (read from its
 * `(status, next_attempt_at)` index).
 */
export function outboxStateQuery(
  db: Kysely<Database>,
  table: OutboxTable,
  // biome-ignore lint/suspicious/noExplicitAny: any query of due rows; only its existence is read.
  due: SelectQueryBuilder<Database, any, unknown>,
) {
  return db.selectNoFrom((eb) => [
    eb.exists(due).as("due"),
    eb.exists(eb.selectFrom(table).select("id").where("status", "=", "pending")).as("pending"),
  ]);
}

/** The `OutboxState` a row of `outboxStateQuery` says (PostgreSQL answers booleans, SQLite 0 or 1). */
export function outboxStateOf(row: { due: unknown; pending: unknown } | undefined): OutboxState {
  if (row?.due) return "due";
  return row?.pending ? "waiting" : "empty";
}

/** Claims these rows for `nodeId` until `until` (ms), inside the claiming transaction. */
export async function markClaimed(
  trx: Kysely<Database>,
  table: OutboxTable,
  ids: readonly string[],
  nodeId: string,
  until: number,
): Promise<void> {
  await trx
    .updateTable(table)
    .set({ claimed_by: nodeId, claimed_until: toTimestamp(until) })
    .where("id", "in", ids)
    .execute();
}

/** Hands back at once the pending rows `nodeId` holds (it is stopping). */
export async function releaseClaims(db: Kysely<Database>, table: OutboxTable, nodeId: string): Promise<void> {
  await db
    .updateTable(table)
    .set({ claimed_by: null, claimed_until: null })
    .where("claimed_by", "=", nodeId)
    .where("status", "=", "pending")
    .execute();
}

/** Deletes up to a batch of rows finished before `cutoff` (ms); answers how many. */
export async function sweepFinished(db: Kysely<Database>, table: OutboxTable, cutoff: number): Promise<number> {
  const result = await db
    .deleteFrom(table)
    .where("id", "in", (eb) =>
      eb.selectFrom(table).select("id").where("finished_at", "<", toTimestamp(cutoff)).limit(SWEEP_BATCH),
    )
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
