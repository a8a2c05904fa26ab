import type { Database } from "@natter/db";
import { type Member, NatterError, type Room } from "@natter/shared";
import type { Kysely } from "kysely";

/** Rooms with their owner, as readers see them. */
export function roomsQuery(db: Kysely<Database>) {
  return (
    db
      .selectFrom("rooms")
      // A direct room has no owner.
      .leftJoin("room_members as owner", (join) =>
        join.onRef("owner.room_id", "=", "rooms.id").on("owner.role", "=", "owner"),
      )
      .select([
        "rooms.id",
        "rooms.name",
        "rooms.is_open",
        "rooms.kind",
        "rooms.member_count",
        "rooms.last_seq",
        "rooms.created_at",
        "rooms.slow_mode_seconds",
        "owner.user_id as owner_id",
      ])
  );
}

type RoomRow = Awaited<ReturnType<ReturnType<typeof roomsQuery>["executeTakeFirstOrThrow"]>>;

export function toRoom(row: RoomRow): Room {
  return {
    id: row.id,
    name: row.name,
    open: row.is_open === 1,
    kind: row.kind,
    ownerId: row.owner_id,
    memberCount: row.member_count,
    lastSeq: row.last_seq,
    slowModeSeconds: row.slow_mode_seconds,
    createdAt: row.created_at,
  };
}

/** A room known to exist (its access was just checked). */
export async function loadRoom(db: Kysely<Database>, roomId: string): Promise<Room> {
  return toRoom(await roomsQuery(db).where("rooms.id", "=", roomId).executeTakeFirstOrThrow());
}

/** A room's members with their usernames. */
export function membersQuery(db: Kysely<Database>, roomId: string) {
  return db
    .selectFrom("room_members")
    .innerJoin("users", "users.id", "room_members.user_id")
    .select([
      "room_members.user_id as userId",
      "users.username",
      "room_members.role",
      "room_members.joined_at as joinedAt",
    ])
    .where("room_members.room_id", "=", roomId);
}

export function toMember(row: Member): Member {
  return { userId: row.userId, username: row.username, role: row.role, joinedAt: row.joinedAt };
}

export async function findMember(db: Kysely<Database>, roomId: string, userId: string): Promise<Member> {
  const row = await membersQuery(db, roomId).where("room_members.user_id", "=", userId).executeTakeFirst();
  if (!row) throw new NatterError("MEMBER_NOT_FOUND", "That user is not a member of this room");
  return toMember(row);
}
