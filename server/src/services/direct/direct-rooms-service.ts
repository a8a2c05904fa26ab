import { type Database, isUniqueViolation, uuidV7 } from "@natter/db";
import {
  type DirectRoomPage,
  type DirectRoomResult,
  type DirectRoomsInput,
  NatterError,
  type Room,
  type RoomEvent,
} from "@natter/shared";
import { type Kysely, sql, type Transaction } from "kysely";
import type { AuthSession } from "../../auth/auth-session.js";
import { toTimestamp } from "../../clock/clock.js";
import { toUser } from "../accounts/to-user.js";
import { unreadCountOf } from "../inbox/unread-counts.js";
import { messagesSeenBy } from "../message-rows/message-rows.js";
import { decodeCursor, encodeCursor } from "../paging/page-cursor.js";
import type { RoomWrite, RoomWriter } from "../room-writes/room-writer.js";
import { defaultRoomName } from "../rooms/default-room-name.js";
import { recordRoomChange } from "../rooms/room-changes.js";
import { roomsQuery, toRoom } from "../rooms/room-rows.js";
import { blockedEitherWay, blockedError } from "./blocks.js";

export interface DirectRoomsServiceDeps {
  db: Kysely<Database>;
  writer: RoomWriter;
}

/** How many times an opening that lost the race for a pair's room looks again for the winner's. */
const OPEN_ATTEMPTS = 3;

/**
 * Direct rooms: one per pair of users, closed, with exactly the two as members and no owner.
 * The pair's ordered ids are a unique key, so two openings at the same instant (on any
 * engine, on any node) end with one room: the one that loses the insert finds the winner's.
 */
export class DirectRoomsService {
  constructor(private readonly deps: DirectRoomsServiceDeps) {}

  /**
   * The caller's direct room with `userId`, created if there is none yet. Refused as BLOCKED
   * when either blocked the other, or, for a new room, when the user takes no direct rooms.
   */
  async open(session: AuthSession, userId: string): Promise<DirectRoomResult> {
    if (userId === session.userId) {
      throw new NatterError("VALIDATION_FAILED", "Input validation failed", {
        issues: [{ path: "userId", message: "a direct room needs another user" }],
      });
    }
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.deps.writer.write(null, (trx, now) => openDirectRoom(trx, session, userId, now));
      } catch (error) {
        if (!isUniqueViolation(error) || attempt === OPEN_ATTEMPTS) throw error;
      }
    }
  }

  /**
   * The caller's direct rooms, newest activity first: each with the other person, the newest
   * message shown in the room (a thread reply only when sent `alsoInRoom`, as history shows
   * them) and the unread count. A room's activity is that message's id (ids are
   * time-ordered), or its own id before the first: unique, so it is the keyset cursor too.
   */
  async list(session: AuthSession, { limit, cursor }: DirectRoomsInput): Promise<DirectRoomPage> {
    const { db } = this.deps;
    const userId = session.userId;
    const mine = db
      .selectFrom("room_members")
      .innerJoin("rooms", "rooms.id", "room_members.room_id")
      .innerJoin("room_members as other", (join) =>
        join.onRef("other.room_id", "=", "rooms.id").on("other.user_id", "!=", userId),
      )
      .select(["rooms.id as roomId", "other.user_id as otherId"])
      .select(
        sql<string>`coalesce((select last.id from messages as last where last.room_id = rooms.id and (last.thread_id is null or last.also_in_room = 1) order by last.seq desc limit 1), rooms.id)`.as(
          "activity",
        ),
      )
      .select(unreadCountOf(userId).as("unreadCount"))
      .where("room_members.user_id", "=", userId)
      .where("rooms.kind", "=", "direct");
    let query = db.selectFrom(mine.as("mine")).selectAll();
    if (cursor !== undefined) query = query.where("mine.activity", "<", decodeCursor("direct", cursor));
    const rows = await query
      .orderBy("mine.activity", "desc")
      .limit(limit + 1)
      .execute();
    const page = rows.slice(0, limit);
    if (page.length === 0) return { directRooms: [], nextCursor: null };
    const [rooms, users, messages] = await Promise.all([
      roomsQuery(db)
        .where(
          "rooms.id",
          "in",
          page.map((row) => row.roomId),
        )
        .execute(),
      db
        .selectFrom("users")
        .selectAll()
        .where(
          "id",
          "in",
          page.map((row) => row.otherId),
        )
        .execute(),
      db
        .selectFrom("messages")
        .selectAll()
        .where(
          "id",
          "in",
          page.map((row) => row.activity),
        )
        .execute(),
    ]);
    const lastMessages = await messagesSeenBy(db, messages, userId);
    const roomById = new Map(rooms.map((row) => [row.id, toRoom(row)]));
    const userById = new Map(users.map((row) => [row.id, toUser(row)]));
    const messageById = new Map(lastMessages.map((message) => [message.id, message]));
    const directRooms = page.flatMap((row) => {
      const room = roomById.get(row.roomId);
      const otherUser = userById.get(row.otherId);
      if (!room || !otherUser) return [];
      const lastMessage = messageById.get(row.activity) ?? null;
      return [{ room, otherUser, lastMessage, unreadCount: Number(row.unreadCount ?? 0) }];
    });
    const last = page.at(-1);
    return { directRooms, nextCursor: rows.length > limit && last ? encodeCursor("direct", last.activity) : null };
  }
}

/** The two ids of a pair in order: the same key whichever of the two asks. */
function directKey(userId: string, otherId: string): string {
  return userId < otherId ? `${userId} ${otherId}` : `${otherId} ${userId}`;
}

async function openDirectRoom(
  trx: Transaction<Database>,
  session: AuthSession,
  userId: string,
  now: number,
): Promise<RoomWrite<DirectRoomResult>> {
  const other = await trx
    .selectFrom("users")
    .select(["id", "username", "direct_messages"])
    .where("id", "=", userId)
    // A deleted account is no one to write to, as an unknown id.
    .where("deleted_at", "is", null)
    .executeTakeFirst();
  if (!other) throw new NatterError("USER_NOT_FOUND", "No such user");
  if (await blockedEitherWay(trx, session.userId, userId)) throw blockedError();
  const key = directKey(session.userId, userId);
  const existing = await roomsQuery(trx).where("rooms.direct_key", "=", key).executeTakeFirst();
  if (existing) return { events: [], result: { room: toRoom(existing), created: false } };
  if (other.direct_messages === "none") throw blockedError();

  const createdAt = toTimestamp(now);
  const room: Room = {
    id: uuidV7(now),
    name: defaultRoomName(session.username, [other.username]),
    open: false,
    kind: "direct",
    ownerId: null,
    memberCount: 2,
    lastSeq: 2,
    slowModeSeconds: 0,
    createdAt,
  };
  // The insert that loses a race for the pair fails on the unique key, and `open` looks again.
  await trx
    .insertInto("rooms")
    .values({
      id: room.id,
      name: room.name,
      is_open: 0,
      kind: "direct",
      direct_key: key,
      member_count: 2,
      last_seq: 0,
      created_at: createdAt,
    })
    .execute();
  await trx
    .insertInto("room_members")
    .values(
      [session.userId, userId].map((memberId) => ({
        room_id: room.id,
        user_id: memberId,
        role: "member" as const,
        joined_at: createdAt,
        read_seq: 0,
      })),
    )
    .execute();
  const events: RoomEvent[] = [
    await recordRoomChange(
      trx,
      room.id,
      { type: "room.created", actorId: session.userId, room: { ...room, memberCount: 1, lastSeq: 1 } },
      now,
    ),
    await recordRoomChange(
      trx,
      room.id,
      {
        type: "member.joined",
        actorId: session.userId,
        member: { userId, username: other.username, role: "member", joinedAt: createdAt },
      },
      now,
    ),
  ];
  return { events, result: { room, created: true } };
}
