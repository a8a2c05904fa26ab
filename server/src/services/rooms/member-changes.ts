import type { Database } from "@natter/db";
import type { Member, RoomEvent, RoomRole } from "@natter/shared";
import { NatterError } from "@natter/shared";
import type { Transaction } from "kysely";
import { toTimestamp } from "../../clock/clock.js";
import type { RoomAccess } from "../access/room-access.js";
import { type RoomChange, recordRoomChange } from "./room-changes.js";
import { deleteRoom } from "./room-lifecycle.js";

/**
 * Adds a member unless they are in already (a concurrent join won the race): the insert is
 * skipped on conflict, and only an inserted row counts and is logged.
 */
export async function addMember(
  trx: Transaction<Database>,
  roomId: string,
  member: Omit<Member, "joinedAt">,
  actorId: string,
  now: number,
): Promise<RoomEvent | null> {
  const joinedAt = toTimestamp(now);
  const inserted = await trx
    .insertInto("room_members")
    .values((eb) => ({
      room_id: roomId,
      user_id: member.userId,
      role: member.role,
      joined_at: joinedAt,
      // A newcomer's read cursor starts at the present: the backlog is history, not unread.
      read_seq: eb.selectFrom("rooms").select("last_seq").where("id", "=", roomId),
    }))
    .onConflict((oc) => oc.columns(["room_id", "user_id"]).doNothing())
    .executeTakeFirst();
  if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 0) return null;
  await trx
    .updateTable("rooms")
    .set((eb) => ({ member_count: eb("member_count", "+", 1) }))
    .where("id", "=", roomId)
    .execute();
  return recordRoomChange(trx, roomId, { type: "member.joined", actorId, member: { ...member, joinedAt } }, now);
}

/**
 * Takes a member out of a room (they left or were kicked). The last member out deletes the
 * room; an owner going out hands ownership to the longest-standing admin, else member.
 */
export async function removeMember(
  trx: Transaction<Database>,
  roomId: string,
  role: RoomRole,
  change: Extract<RoomChange, { type: "member.left" | "member.kicked" }>,
  now: number,
): Promise<{ events: RoomEvent[]; deleted: boolean }> {
  await trx.deleteFrom("room_members").where("room_id", "=", roomId).where("user_id", "=", change.userId).execute();
  const { member_count: remaining } = await trx
    .updateTable("rooms")
    .set((eb) => ({ member_count: eb("member_count", "-", 1) }))
    .where("id", "=", roomId)
    .returning("member_count")
    .executeTakeFirstOrThrow();
  const events = [await recordRoomChange(trx, roomId, change, now)];
  if (remaining === 0) {
    events.push(...(await deleteRoom(trx, roomId, change.actorId, now)));
    return { events, deleted: true };
  }
  if (role === "owner") {
    const successor = await trx
      .selectFrom("room_members")
      .select("user_id")
      .where("room_id", "=", roomId)
      .orderBy((eb) => eb.case().when("role", "=", "admin").then(0).else(1).end())
      .orderBy("joined_at")
      .orderBy("user_id")
      .limit(1)
      .executeTakeFirstOrThrow();
    events.push(await setRole(trx, roomId, successor.user_id, "owner", null, now));
  }
  return { events, deleted: false };
}

/**
 * Sets a member's role as the owner asked. `owner` hands ownership over, the old owner
 * staying on as an admin; the owner cannot otherwise step down, so a room always has one.
 */
export async function changeRole(
  trx: Transaction<Database>,
  access: RoomAccess,
  userId: string,
  role: RoomRole,
  actorId: string,
  now: number,
): Promise<RoomEvent[]> {
  if (userId === actorId) {
    throw new NatterError("CONFLICT", "The owner cannot step down; give another member the owner role instead");
  }
  if (role !== "owner") return [await setRole(trx, access.roomId, userId, role, actorId, now)];
  // The old owner steps down first: a room has at most one owner at any moment.
  const demoted = await setRole(trx, access.roomId, actorId, "admin", actorId, now);
  return [demoted, await setRole(trx, access.roomId, userId, "owner", actorId, now)];
}

async function setRole(
  trx: Transaction<Database>,
  roomId: string,
  userId: string,
  role: RoomRole,
  actorId: string | null,
  now: number,
): Promise<RoomEvent> {
  await trx
    .updateTable("room_members")
    .set({ role })
    .where("room_id", "=", roomId)
    .where("user_id", "=", userId)
    .execute();
  return recordRoomChange(trx, roomId, { type: "member.role_changed", actorId, userId, role }, now);
}
