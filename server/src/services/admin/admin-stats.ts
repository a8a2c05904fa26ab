import {
  type Database,
  MESSAGE_COUNTER_SHARDS,
  messagesCounter,
  messagesInHourCounter,
  readCounters,
  STAT_COUNTERS,
} from "@natter/db";
import type { AdminStats } from "@natter/shared";
import type { Kysely } from "kysely";
import { toTimestamp } from "../../clock/clock.js";
import type { LiveSource } from "./live-figures.js";

const HOUR_MS = 3_600_000;
const HOURS = 24;
const SHARDS = Array.from({ length: MESSAGE_COUNTER_SHARDS }, (_, shard) => shard);

/**
 * The server's statistics at `now`. Totals and hourly message counts are counter rows (one
 * primary-key read of ~200 names); active sessions and users are counts over an index range
 * holding only the live ones; sockets and watchers come from the transports. Nothing here
 * grows with the number of messages.
 */
export async function readAdminStats(
  db: Kysely<Database>,
  live: LiveSource,
  now: number,
  storageMaxBytes: number | null,
): Promise<AdminStats> {
  const currentHour = Math.floor(now / HOUR_MS) * HOUR_MS;
  const hours = Array.from({ length: HOURS }, (_, i) => toTimestamp(currentHour - (HOURS - 1 - i) * HOUR_MS));
  const hourNames = hours.map((hour) => SHARDS.map((shard) => messagesInHourCounter(hour.slice(0, 13), shard)));
  const messageNames = SHARDS.map(messagesCounter);
  const nowText = toTimestamp(now);
  const [counters, sessions, activeUsers] = await Promise.all([
    readCounters(db, [...Object.values(STAT_COUNTERS), ...messageNames, ...hourNames.flat()]),
    db
      .selectFrom("sessions")
      .select((eb) => eb.fn.countAll<number>().as("count"))
      .where("idle_expires_at", ">", nowText)
      .where("absolute_expires_at", ">", nowText)
      .executeTakeFirstOrThrow(),
    db
      .selectFrom("users")
      .select((eb) => eb.fn.countAll<number>().as("count"))
      .where("last_active_at", ">=", toTimestamp(now - HOURS * HOUR_MS))
      .executeTakeFirstOrThrow(),
  ]);
  const value = (name: string) => counters.get(name) ?? 0;
  const sum = (names: readonly string[]) => names.reduce((total, name) => total + value(name), 0);
  const perHour = hours.map((hour, i) => ({ hour, count: sum(hourNames[i] ?? []) }));
  const open = value(STAT_COUNTERS.openRooms);
  const closed = value(STAT_COUNTERS.closedRooms);
  return {
    generatedAt: nowText,
    users: {
      total: value(STAT_COUNTERS.users),
      admins: value(STAT_COUNTERS.admins),
      banned: value(STAT_COUNTERS.banned),
      active24h: Number(activeUsers.count),
    },
    rooms: { total: open + closed, open, closed },
    messages: {
      total: sum(messageNames),
      last24h: perHour.reduce((total, bucket) => total + bucket.count, 0),
      perHour,
    },
    uploads: { count: value(STAT_COUNTERS.uploads), storedBytes: value(STAT_COUNTERS.storedBytes), storageMaxBytes },
    sessions: { active: Number(sessions.count) },
    live: { sockets: live.sockets(), watchers: live.watchers() },
  };
}
