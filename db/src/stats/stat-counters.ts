import type { Kysely, Transaction } from "kysely";
import { type PreparedQuery, preparedQuery } from "../queries/prepared-query.js";
import type { Database } from "../schema/database.js";

/**
 * The named totals of `stat_counters`, each bumped in the transaction of the write it
 * counts, so that statistics read a few rows instead of counting tables.
 */
export const STAT_COUNTERS = {
  users: "users",
  admins: "users.admins",
  banned: "users.banned",
  openRooms: "rooms.open",
  closedRooms: "rooms.closed",
  uploads: "uploads",
  storedBytes: "uploads.stored_bytes",
} as const;
export type StatCounter = (typeof STAT_COUNTERS)[keyof typeof STAT_COUNTERS];

/**
 * Messages are counted in shards chosen by room, so that sends to different rooms (which a
 * multi-writer engine runs in parallel) do not queue on one counter row; readers sum them.
 */
export const MESSAGE_COUNTER_SHARDS = 8;

/** The counter of stored, undeleted messages of one shard. */
export function messagesCounter(shard: number): string {
  return `messages:${shard}`;
}

/** The counter of messages sent in one UTC hour (`hour` as `2026-01-02T03`), in one shard. */
export function messagesInHourCounter(hour: string, shard: number): string {
  return `messages@${hour}:${shard}`;
}

/** The shard a room's messages are counted in. */
export function messageShardOf(roomId: string): number {
  let hash = 0;
  for (let i = 0; i < roomId.length; i += 1) hash = (hash * 31 + roomId.charCodeAt(i)) >>> 0;
  return hash % MESSAGE_COUNTER_SHARDS;
}

/** The UTC hour (`2026-01-02T03`) an ISO timestamp falls in. */
export function hourOf(timestamp: string): string {
  return timestamp.slice(0, 13);
}

/**
 * Adds each delta to its counter (creating it at the delta), inside the caller's
 * transaction. Zero deltas are skipped.
 */
export async function bumpCounters(
  db: Kysely<Database> | Transaction<Database>,
  deltas: Readonly<Record<string, number>>,
): Promise<void> {
  const values = Object.entries(deltas).filter(([, delta]) => delta !== 0);
  if (values.length === 0) return;
  await bumpQueryOf(values.length)(db, ...values.flat());
}

/** The upsert of `count` counters, prepared once for each count (a message send bumps two). */
const bumpQueries = new Map<number, PreparedQuery<unknown[], unknown>>();

function bumpQueryOf(count: number): PreparedQuery<unknown[], unknown> {
  let query = bumpQueries.get(count);
  if (!query) {
    query = preparedQuery(
      (db, ...values: unknown[]) =>
        db
          .insertInto("stat_counters")
          .values(
            Array.from({ length: count }, (_, i) => ({
              name: values[2 * i] as string,
              value: values[2 * i + 1] as number,
            })),
          )
          .onConflict((oc) =>
            oc
              .column("name")
              .doUpdateSet((eb) => ({ value: eb(eb.ref("stat_counters.value"), "+", eb.ref("excluded.value")) })),
          ),
      2 * count,
    );
    bumpQueries.set(count, query);
  }
  return query;
}

/** The values of the named counters; a counter never bumped reads 0. */
export async function readCounters(db: Kysely<Database>, names: readonly string[]): Promise<Map<string, number>> {
  const values = new Map(names.map((name) => [name, 0]));
  if (names.length === 0) return values;
  const rows = await db.selectFrom("stat_counters").select(["name", "value"]).where("name", "in", names).execute();
  for (const row of rows) values.set(row.name, Number(row.value));
  return values;
}
