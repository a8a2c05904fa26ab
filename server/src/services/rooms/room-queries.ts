import type { Database } from "@natter/db";
import {
  type ListRoomsInput,
  type MemberPage,
  NatterError,
  type PageInput,
  type RoomPage,
  type RoomRole,
} from "@natter/shared";
import type { Kysely } from "kysely";
import type { AuthSession } from "../../auth/auth-session.js";
import { readableBy } from "../access/room-access.js";
import { decodeCursor, encodeCursor } from "../paging/page-cursor.js";
import { membersQuery, roomsQuery, toMember, toRoom } from "./room-rows.js";

/** Which members a member listing covers. */
export type MemberFilter = "all" | "admins";

/** A page of rooms, newest first: the caller's, or all the caller may see (open ones and theirs). */
export async function listRooms(
  db: Kysely<Database>,
  session: AuthSession | null,
  { scope, limit, cursor }: ListRoomsInput,
): Promise<RoomPage> {
  if (scope === "joined" && !session) {
    throw new NatterError("UNAUTHENTICATED", "Sign in to list the rooms you are in, or ask for scope=all");
  }
  const userId = session?.userId ?? "";
  let query = roomsQuery(db);
  if (scope === "joined") {
    query = query.innerJoin("room_members as me", (join) =>
      join.onRef("me.room_id", "=", "rooms.id").on("me.user_id", "=", userId),
    );
  } else {
    query = query.where(readableBy(userId));
  }
  if (cursor !== undefined) query = query.where("rooms.id", "<", decodeCursor("rooms", cursor));
  const rows = await query
    .orderBy("rooms.id", "desc")
    .limit(limit + 1)
    .execute();
  const rooms = rows.slice(0, limit).map(toRoom);
  const last = rooms.at(-1);
  return { rooms, nextCursor: rows.length > limit && last ? encodeCursor("rooms", last.id) : null };
}

/** A slice of a room's members (or its owner and admins), in joining order. */
export async function listMembers(
  db: Kysely<Database>,
  roomId: string,
  { limit, offset }: PageInput,
  filter: MemberFilter,
): Promise<MemberPage> {
  const roles: RoomRole[] = filter === "admins" ? ["owner", "admin"] : ["owner", "admin", "member"];
  const [rows, count] = await Promise.all([
    membersQuery(db, roomId)
      .where("room_members.role", "in", roles)
      .orderBy("room_members.joined_at")
      .orderBy("room_members.user_id")
      .limit(limit)
      .offset(offset)
      .execute(),
    db
      .selectFrom("room_members")
      .select((eb) => eb.fn.countAll<number | string>().as("total"))
      .where("room_id", "=", roomId)
      .where("role", "in", roles)
      .executeTakeFirstOrThrow(),
  ]);
  return { members: rows.map(toMember), index: offset, total: Number(count.total) };
}

/** The owner of a room known to exist. */
export async function findOwner(db: Kysely<Database>, roomId: string): Promise<{ userId: string; username: string }> {
  const row = await membersQuery(db, roomId).where("room_members.role", "=", "owner").executeTakeFirstOrThrow();
  return { userId: row.userId, username: row.username };
}
