import type { Database } from "@natter/db";
import type { Kysely } from "kysely";
import { toTimestamp } from "../../clock/clock.js";

/** The outbox tables: rows with a status, a claim (`claimed_by` until `claimed_until`) and a finish. */
export type OutboxTable = "webhook_deliveries" | "push_deliveries";

/** How many rows one statement of a sweep deletes. */
const SWEEP_BATCH = 1000;

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
