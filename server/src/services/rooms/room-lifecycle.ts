import {
  bumpCounters,
  type Database,
  messageShardOf,
  messagesCounter,
  messagesInHourCounter,
  STAT_COUNTERS,
  uuidV7,
} from "@natter/db";
import { type CreateRoomInput, NatterError, type Room, type RoomChanges, type RoomEvent } from "@natter/shared";
import { sql, type Transaction } from "kysely";
import type { AuthSession } from "../../auth/auth-session.js";
import { toTimestamp } from "../../clock/clock.js";
import { readableRoom, refuseDirect, requireRole } from "../access/room-access.js";
import { noteRoomDeletion } from "../inbox/inbox-projection.js";
import type { RoomWrite } from "../room-writes/room-writer.js";
import { defaultRoomName } from "./default-room-name.js";
import { type RoomChange, recordRoomChange } from "./room-changes.js";
import { loadRoom } from "./room-rows.js";

/** Creates a room owned by the caller, with `memberIds` as its first members. */
export async function createRoom(
  trx: Transaction<Database>,
  session: AuthSession,
  input: CreateRoomInput,
  now: number,
): Promise<RoomWrite<Room>> {
  const others = await initialMembers(trx, session.userId, input.memberIds);
  const joinedAt = toTimestamp(now);
  const room: Room = {
    id: uuidV7(now),
    name:
      input.name ??
      defaultRoomName(
        session.username,
        others.map((u) => u.username),
      ),
    open: input.open,
    kind: "room",
    ownerId: session.userId,
    memberCount: 1 + others.length,
    // room.created, then one member.joined per other member.
    lastSeq: 1 + others.length,
    slowModeSeconds: 0,
    createdAt: joinedAt,
  };
  await trx
    .insertInto("rooms")
    .values({
      id: room.id,
      name: room.name,
      is_open: room.open ? 1 : 0,
      member_count: room.memberCount,
      last_seq: 0,
      created_at: room.createdAt,
    })
    .execute();
  await bumpCounters(trx, { [roomCounter(room.open)]: 1 });
  const members = [
    { user_id: session.userId, role: "owner" as const },
    ...others.map((u) => ({ user_id: u.id, role: "member" as const })),
  ];
  await trx
    .insertInto("room_members")
    .values(members.map((m) => ({ ...m, room_id: room.id, joined_at: joinedAt, read_seq: 0 })))
    .execute();
  const changes: RoomChange[] = [
    // The creator is in the room from the start; each other member then joins.
    { type: "room.created", actorId: session.userId, room: { ...room, memberCount: 1, lastSeq: 1 } },
    ...others.map(
      (u): RoomChange => ({
        type: "member.joined",
        actorId: session.userId,
        member: { userId: u.id, username: u.username, role: "member", joinedAt },
      }),
    ),
  ];
  const events: RoomEvent[] = [];
  for (const change of changes) events.push(await recordRoomChange(trx, room.id, change, now));
  return { events, result: room };
}

/** The users a room is created with: deduplicated, without the creator, each one existing. */
async function initialMembers(
  trx: Transaction<Database>,
  creatorId: string,
  memberIds: readonly string[],
): Promise<{ id: string; username: string }[]> {
  const ids = [...new Set(memberIds)].filter((id) => id !== creatorId);
  if (ids.length === 0) return [];
  // A deleted account is no user to add (its placeholder row stays only as its messages' author).
  const users = await trx
    .selectFrom("users")
    .select(["id", "username"])
    .where("id", "in", ids)
    .where("deleted_at", "is", null)
    .execute();
  const byId = new Map(users.map((u) => [u.id, u]));
  const issues = memberIds.flatMap((id, i) =>
    id === creatorId || byId.has(id) ? [] : [{ path: `memberIds.${i}`, message: "no such user" }],
  );
  if (issues.length > 0) throw new NatterError("VALIDATION_FAILED", "Some memberIds name no user", { issues });
  return ids.flatMap((id) => byId.get(id) ?? []);
}

/** Renames (any member) or opens and closes (admins and the owner) a room. */
export async function updateRoom(
  trx: Transaction<Database>,
  session: AuthSession,
  roomId: string,
  changes: RoomChanges,
  now: number,
): Promise<RoomWrite<Room>> {
  const access = await readableRoom(trx, roomId, session);
  refuseDirect(access);
  // Renaming is for any member; opening, closing and slow mode are moderation.
  requireRole(access, changes.open === undefined && changes.slowModeSeconds === undefined ? "member" : "admin");
  const room = await loadRoom(trx, roomId);
  const updated = {
    ...room,
    name: changes.name ?? room.name,
    open: changes.open ?? room.open,
    slowModeSeconds: changes.slowModeSeconds ?? room.slowModeSeconds,
  };
  if (updated.name === room.name && updated.open === room.open && updated.slowModeSeconds === room.slowModeSeconds) {
    return { events: [], result: room };
  }
  await trx
    .updateTable("rooms")
    .set({ name: updated.name, is_open: updated.open ? 1 : 0, slow_mode_seconds: updated.slowModeSeconds })
    .where("id", "=", roomId)
    .execute();
  if (updated.open !== room.open) {
    await bumpCounters(trx, { [roomCounter(room.open)]: -1, [roomCounter(updated.open)]: 1 });
  }
  const change: RoomChange = {
    type: "room.updated",
    actorId: session.userId,
    name: updated.name,
    open: updated.open,
    slowModeSeconds: updated.slowModeSeconds,
  };
  return { events: [await recordRoomChange(trx, roomId, change, now)], result: await loadRoom(trx, roomId) };
}

/**
 * Logs the room's deletion, then deletes it; the cascade takes its members, log and
 * messages. Watchers learn of it from the published `room.deleted` entry.
 */
export async function deleteRoom(
  trx: Transaction<Database>,
  roomId: string,
  actorId: string | null,
  now: number,
  detail: Record<string, unknown> | null = null,
): Promise<RoomEvent[]> {
  const event = await recordRoomChange(trx, roomId, { type: "room.deleted", actorId }, now, detail);
  const room = await trx.selectFrom("rooms").select("is_open").where("id", "=", roomId).executeTakeFirstOrThrow();
  // Counted through the room's own index; the cascade below reads those rows anyway.
  const { live } = await trx
    .selectFrom("messages")
    .select((eb) => eb.fn.countAll<number>().as("live"))
    .where("room_id", "=", roomId)
    .where("deleted_at", "is", null)
    .executeTakeFirstOrThrow();
  // And out of the hours the admin figures show (the last day), so that they count what is still there.
  const hour = sql<string>`substr(created_at, 1, 13)`;
  const recent = await trx
    .selectFrom("messages")
    .select((eb) => [hour.as("hour"), eb.fn.countAll<number>().as("count")])
    .where("room_id", "=", roomId)
    .where("deleted_at", "is", null)
    .where("created_at", ">=", toTimestamp(Math.floor(now / HOUR_MS) * HOUR_MS - DAY_MS))
    .groupBy(hour)
    .execute();
  await noteRoomDeletion(trx, roomId);
  await trx.deleteFrom("rooms").where("id", "=", roomId).execute();
  const shard = messageShardOf(roomId);
  await bumpCounters(trx, {
    [roomCounter(room.is_open === 1)]: -1,
    [messagesCounter(shard)]: -Number(live),
    ...Object.fromEntries(recent.map((row) => [messagesInHourCounter(row.hour, shard), -Number(row.count)])),
  });
  return [event];
}

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

function roomCounter(open: boolean): string {
  return open ? STAT_COUNTERS.openRooms : STAT_COUNTERS.closedRooms;
}
