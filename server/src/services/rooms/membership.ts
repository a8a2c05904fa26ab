import type { Database } from "@natter/db";
import {
  type LeaveRoomResult,
  type Member,
  NatterError,
  type Room,
  type RoomEvent,
  type RoomRole,
} from "@natter/shared";
import type { Transaction } from "kysely";
import type { AuthSession } from "../../auth/auth-session.js";
import { readableRoom, refuseDirect, requireRole } from "../access/room-access.js";
import type { RoomWrite } from "../room-writes/room-writer.js";
import { addMember, changeRole, removeMember } from "./member-changes.js";
import type { RoomChange } from "./room-changes.js";
import { findMember, loadRoom } from "./room-rows.js";

/** Joins an open room; joining a room one is already in changes nothing. */
export async function joinRoom(
  trx: Transaction<Database>,
  session: AuthSession,
  roomId: string,
  now: number,
): Promise<RoomWrite<Room>> {
  const access = await readableRoom(trx, roomId, session);
  refuseDirect(access);
  const events: RoomEvent[] = [];
  if (access.role === null) {
    const member = { userId: session.userId, username: session.username, role: "member" as const };
    const joined = await addMember(trx, roomId, member, session.userId, now);
    if (joined) events.push(joined);
  }
  return { events, result: await loadRoom(trx, roomId) };
}

/** Leaves a room; the last member to leave deletes it. */
export async function leaveRoom(
  trx: Transaction<Database>,
  session: AuthSession,
  roomId: string,
  now: number,
): Promise<RoomWrite<LeaveRoomResult>> {
  const access = await readableRoom(trx, roomId, session);
  refuseDirect(access);
  if (access.role === null) throw new NatterError("MEMBER_NOT_FOUND", "You are not a member of this room");
  const change: RoomChange = { type: "member.left", actorId: session.userId, userId: session.userId };
  const { events, deleted } = await removeMember(trx, roomId, access.role, change, now);
  return { events, result: { roomId, deleted } };
}

/**
 * Adds a user to a room (admins and the owner) and, with `role`, sets their role (the owner
 * only). Giving someone the `owner` role hands ownership over: the old owner becomes an admin.
 */
export async function putMember(
  trx: Transaction<Database>,
  session: AuthSession,
  roomId: string,
  userId: string,
  role: RoomRole | undefined,
  now: number,
): Promise<RoomWrite<Member>> {
  const access = await readableRoom(trx, roomId, session);
  refuseDirect(access);
  requireRole(access, "admin");
  const events: RoomEvent[] = [];
  let current = await trx
    .selectFrom("room_members")
    .select("role")
    .where("room_id", "=", roomId)
    .where("user_id", "=", userId)
    .executeTakeFirst();
  if (role !== undefined && role !== (current?.role ?? "member")) requireRole(access, "owner");
  if (!current) {
    // A deleted account is no one to add: its placeholder row stays only as its messages' author.
    const user = await trx
      .selectFrom("users")
      .select("username")
      .where("id", "=", userId)
      .where("deleted_at", "is", null)
      .executeTakeFirst();
    if (!user) throw new NatterError("USER_NOT_FOUND", "No such user");
    const added = { userId, username: user.username, role: role === "admin" ? role : ("member" as const) };
    const joined = await addMember(trx, roomId, added, session.userId, now);
    if (joined) events.push(joined);
    current = { role: added.role };
  }
  if (role !== undefined && role !== current.role) {
    events.push(...(await changeRole(trx, access, userId, role, session.userId, now)));
  }
  return { events, result: await findMember(trx, roomId, userId) };
}

/**
 * Removes another member (admins and the owner; only the owner may remove an admin, and
 * nobody the owner).
 */
export async function kickMember(
  trx: Transaction<Database>,
  session: AuthSession,
  roomId: string,
  userId: string,
  now: number,
): Promise<RoomWrite<{ roomId: string; userId: string; roomDeleted: boolean }>> {
  const access = await readableRoom(trx, roomId, session);
  refuseDirect(access);
  requireRole(access, "admin");
  const target = await findMember(trx, roomId, userId);
  if (target.role === "owner") {
    throw new NatterError("FORBIDDEN", "The owner cannot be removed; they may hand ownership over and leave", {
      requiredRole: "owner",
    });
  }
  if (target.role === "admin") requireRole(access, "owner");
  const change: RoomChange = { type: "member.kicked", actorId: session.userId, userId };
  const { events } = await removeMember(trx, roomId, target.role, change, now);
  return { events, result: { roomId, userId, roomDeleted: false } };
}
