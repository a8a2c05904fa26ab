import type { Database } from "@natter/db";
import { NatterError } from "@natter/shared";
import type { Transaction } from "kysely";
import { toTimestamp } from "../../clock/clock.js";
import type { RoomAccess } from "../access/room-access.js";

/** What limits a member's writing to a room, read inside the write's transaction. */
interface SendLimits {
  slowModeSeconds: number;
  lastSentAt: string | null;
  /** Whether a mute row exists, and when it ends (null: until lifted). */
  muted: boolean;
  mutedUntil: string | null;
}

/** Who the limits apply to: plain members of ordinary rooms; owners and admins are exempt. */
function isLimited(access: RoomAccess): boolean {
  return access.role === "member" && access.kind === "room";
}

async function readLimits(trx: Transaction<Database>, roomId: string, userId: string): Promise<SendLimits> {
  const [limits] = (await limitsQuery(trx, roomId, [userId]).execute()).map(toLimits);
  if (!limits) throw new Error(`readLimits: ${userId} is no member of ${roomId}`);
  return limits;
}

/** The limits of members of a room (those of `userIds` who are members), by user. */
async function readLimitsOf(
  trx: Transaction<Database>,
  roomId: string,
  userIds: readonly string[],
): Promise<Map<string, SendLimits>> {
  const rows = await limitsQuery(trx, roomId, userIds).execute();
  return new Map(rows.map((row) => [row.user_id, toLimits(row)]));
}

function limitsQuery(trx: Transaction<Database>, roomId: string, userIds: readonly string[]) {
  return trx
    .selectFrom("room_members")
    .innerJoin("rooms", "rooms.id", "room_members.room_id")
    .leftJoin("room_mutes", (join) =>
      join
        .onRef("room_mutes.room_id", "=", "room_members.room_id")
        .onRef("room_mutes.user_id", "=", "room_members.user_id"),
    )
    .select([
      "room_members.user_id",
      "rooms.slow_mode_seconds",
      "room_members.last_sent_at",
      "room_mutes.created_at as muted_at",
      "room_mutes.until as muted_until",
    ])
    .where("room_members.room_id", "=", roomId)
    .where("room_members.user_id", "in", userIds);
}

function toLimits(row: {
  slow_mode_seconds: number;
  last_sent_at: string | null;
  muted_at: string | null;
  muted_until: string | null;
}): SendLimits {
  return {
    slowModeSeconds: row.slow_mode_seconds,
    lastSentAt: row.last_sent_at,
    muted: row.muted_at !== null,
    mutedUntil: row.muted_until,
  };
}

/** Throws MUTED (with `until`) while a mute is in force; a mute past its `until` has ended. */
function refuseMuted(limits: SendLimits, now: number): void {
  if (!limits.muted) return;
  if (limits.mutedUntil !== null && limits.mutedUntil <= toTimestamp(now)) return;
  throw new NatterError("MUTED", "You are muted in this room", { until: limits.mutedUntil });
}

/**
 * Refuses a muted member's change to what others read (an edit). Owners and admins are never
 * refused. Runs inside the room writer's transaction, so it reads what the last change committed.
 */
export async function requireNotMuted(trx: Transaction<Database>, access: RoomAccess, userId: string, now: number) {
  if (!isLimited(access)) return;
  refuseMuted(await readLimits(trx, access.roomId, userId), now);
}

/**
 * Refuses a new message from a muted member (403 MUTED) or from a member who sent less than
 * the room's slow mode ago (429 SLOW_MODE with `retryAfterSeconds`), then records this send as
 * their last. Both come from rows read inside the room writer's transaction, which holds the
 * room's lock: every node counts the same sends, and two racing sends of one member run one
 * after the other, so the second sees the first. Owners and admins are exempt.
 */
export async function admitSend(trx: Transaction<Database>, access: RoomAccess, userId: string, now: number) {
  if (!isLimited(access)) return;
  refuseSend(await readLimits(trx, access.roomId, userId), now);
  await recordSends(trx, access.roomId, [userId], now);
}

/**
 * `admitSend` for sends of one room at one instant, in their order (a bulk's): answers each
 * one's refusal, or undefined for one admitted. A member's second send of the bulk meets the
 * first's `last_sent_at`, as it would one after the other. Two statements for all at most.
 */
export async function admitSends(
  trx: Transaction<Database>,
  sends: readonly { access: RoomAccess; userId: string }[],
  now: number,
): Promise<(NatterError | undefined)[]> {
  const limited = sends.filter(({ access }) => isLimited(access));
  if (limited.length === 0) return sends.map(() => undefined);
  const roomId = limited[0]?.access.roomId as string;
  const limits = await readLimitsOf(trx, roomId, [...new Set(limited.map(({ userId }) => userId))]);
  const admitted = new Set<string>();
  const refusals = sends.map(({ access, userId }) => {
    if (!isLimited(access)) return undefined;
    const own = limits.get(userId);
    if (!own) throw new Error(`admitSends: ${userId} is no member of ${roomId}`);
    try {
      refuseSend(own, now);
    } catch (error) {
      if (error instanceof NatterError) return error;
      throw error;
    }
    own.lastSentAt = toTimestamp(now);
    admitted.add(userId);
    return undefined;
  });
  if (admitted.size > 0) await recordSends(trx, roomId, [...admitted], now);
  return refusals;
}

/** Throws MUTED or SLOW_MODE when `limits` refuse a send at `now`. */
function refuseSend(limits: SendLimits, now: number): void {
  refuseMuted(limits, now);
  if (limits.slowModeSeconds > 0 && limits.lastSentAt !== null) {
    const waitMs = Date.parse(limits.lastSentAt) + limits.slowModeSeconds * 1000 - now;
    if (waitMs > 0) {
      const retryAfterSeconds = Math.ceil(waitMs / 1000);
      throw new NatterError("SLOW_MODE", `This room is in slow mode: you may send again in ${retryAfterSeconds} s`, {
        retryAfterSeconds,
      });
    }
  }
}

/** Records `now` as the members' last send in the room. */
async function recordSends(trx: Transaction<Database>, roomId: string, userIds: readonly string[], now: number) {
  await trx
    .updateTable("room_members")
    .set({ last_sent_at: toTimestamp(now) })
    .where("room_id", "=", roomId)
    .where("user_id", "in", userIds)
    .execute();
}
