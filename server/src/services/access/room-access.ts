import { type Database, preparedQuery } from "@natter/db";
import { NatterError, type RoomKind, type RoomRole } from "@natter/shared";
import { type Kysely, type SqlBool, sql } from "kysely";
import type { AuthSession } from "../../auth/auth-session.js";

/** A room with the caller's role in it: prepared once, as nearly every call on a room reads it. */
const roomWithRole = preparedQuery((db, roomId: string, userId: string) =>
  db
    .selectFrom("rooms")
    .leftJoin("room_members", (join) =>
      join.onRef("room_members.room_id", "=", "rooms.id").on("room_members.user_id", "=", userId),
    )
    .select(["rooms.id", "rooms.is_open", "rooms.kind", "rooms.last_seq", "room_members.role"])
    .where("rooms.id", "=", roomId),
);

/** Roles in rising order of power. */
const RANK: Record<RoomRole, number> = { member: 1, admin: 2, owner: 3 };

/** A room as seen by one caller: whether it is open, and the caller's role in it (null if none). */
export interface RoomAccess {
  roomId: string;
  open: boolean;
  kind: RoomKind;
  role: RoomRole | null;
  /** The room's newest `seq` when it was read. */
  lastSeq: number;
}

/**
 * The caller's access to a room they want to read. A closed room answers a non-member
 * exactly as a missing room does (ROOM_NOT_FOUND), so rooms cannot be enumerated.
 */
export async function readableRoom(
  db: Kysely<Database>,
  roomId: string,
  session: AuthSession | null,
): Promise<RoomAccess> {
  const [row] = (await roomWithRole(db, roomId, session?.userId ?? "")).rows;
  if (!row || (row.is_open === 0 && row.role === null)) {
    throw new NatterError("ROOM_NOT_FOUND", "No such room");
  }
  return { roomId: row.id, open: row.is_open === 1, kind: row.kind, role: row.role, lastSeq: row.last_seq };
}

/** A room as a would-be moderator sees it: also whether they are a server admin (as of now). */
export interface ModerationAccess extends RoomAccess {
  serverAdmin: boolean;
}

/**
 * The caller's access to a room they want to change, for the changes server admins may
 * make to any room (deleting it, or any of its messages): as `readableRoom`, except that a
 * server admin finds closed rooms too. The flag is read with the room, in the same query,
 * so an admin revoked from the command line loses the power at once.
 */
export async function moderatableRoom(
  db: Kysely<Database>,
  roomId: string,
  session: AuthSession,
): Promise<ModerationAccess> {
  const row = await db
    .selectFrom("rooms")
    .leftJoin("room_members", (join) =>
      join.onRef("room_members.room_id", "=", "rooms.id").on("room_members.user_id", "=", session.userId),
    )
    .select(["rooms.id", "rooms.is_open", "rooms.kind", "rooms.last_seq", "room_members.role"])
    .select((eb) =>
      eb.selectFrom("users").select("users.is_admin").where("users.id", "=", session.userId).as("isServerAdmin"),
    )
    .where("rooms.id", "=", roomId)
    .executeTakeFirst();
  const serverAdmin = row?.isServerAdmin === 1;
  if (!row || (row.is_open === 0 && row.role === null && !serverAdmin)) {
    throw new NatterError("ROOM_NOT_FOUND", "No such room");
  }
  return {
    roomId: row.id,
    open: row.is_open === 1,
    kind: row.kind,
    role: row.role,
    lastSeq: row.last_seq,
    serverAdmin,
  };
}

/** Throws DIRECT_ROOM for a direct room: its two members, and nothing else about it, are fixed. */
export function refuseDirect(access: RoomAccess): void {
  if (access.kind === "direct") {
    throw new NatterError("DIRECT_ROOM", "A direct room keeps its two members and cannot be changed this way");
  }
}

/** Which power let a caller make a change: their room role, or their being a server admin. */
export type ModerationPower = "role" | "serverAdmin";

/** As `requireRole`, but a server admin may whatever their role; tells which power it was. */
export function requireRoleOrServerAdmin(access: ModerationAccess, needed: RoomRole): ModerationPower {
  if (hasRole(access.role, needed)) return "role";
  if (access.serverAdmin) return "serverAdmin";
  requireRole(access, needed);
  return "role";
}

/** Throws FORBIDDEN, naming the role needed, unless the caller holds `needed` or higher. */
export function requireRole(access: RoomAccess, needed: RoomRole): void {
  if (!hasRole(access.role, needed)) {
    throw new NatterError("FORBIDDEN", `Only a room ${needed} or higher may do this`, { requiredRole: needed });
  }
}

/** Whether `role` ranks strictly above `other` (an owner over admins, an admin over members). */
export function outranks(role: RoomRole | null, other: RoomRole): boolean {
  return role !== null && RANK[role] > RANK[other];
}

/** Whether `role` is at least `needed`. */
function hasRole(role: RoomRole | null, needed: RoomRole): boolean {
  return role !== null && RANK[role] >= RANK[needed];
}

/**
 * A condition for a query that has `rooms` in scope: the room is one `userId` may read (open,
 * or closed with them a member).
 */
export function readableBy(userId: string) {
  return sql<SqlBool>`(rooms.is_open = 1 or exists (select 1 from room_members as reader where reader.room_id = rooms.id and reader.user_id = ${userId}))`;
}
