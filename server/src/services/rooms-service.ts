import { type Database, uuidV7 } from "@natter/db";
import {
  type CreateRoomInput,
  type LeaveRoomResult,
  type ListRoomsInput,
  type Member,
  type MemberPage,
  NatterError,
  type PageInput,
  type Room,
  type RoomChanges,
  type RoomEvent,
  type RoomPage,
  type RoomRole,
} from "@natter/shared";
import type { Kysely, Transaction } from "kysely";
import type { AuthSession } from "../auth/auth-session.js";
import { type Clock, toTimestamp } from "../clock/clock.js";
import type { RoomEventBus } from "../events/room-event-bus.js";
import { defaultRoomName } from "./default-room-name.js";
import { decodeCursor, encodeCursor } from "./page-cursor.js";
import { type RoomAccess, readableRoom, requireRole } from "./room-access.js";
import { type RoomChange, recordRoomChange } from "./room-changes.js";

export interface RoomsServiceDeps {
  db: Kysely<Database>;
  clock: Clock;
  events: RoomEventBus;
}

/** Which members a member listing covers. */
type MemberFilter = "all" | "admins";

/** What a write did: the committed log entries to publish, and the answer for the caller. */
interface Outcome<T> {
  events: RoomEvent[];
  result: T;
}

/**
 * Rooms and their membership. Every change runs in one transaction that updates the tables,
 * appends the room's log entries and writes the activity table; the entries are published on
 * the event bus only after the commit.
 */
export class RoomsService {
  constructor(private readonly deps: RoomsServiceDeps) {}

  /** Creates a room owned by the caller, with `memberIds` as its first members. */
  create(session: AuthSession, input: CreateRoomInput): Promise<Room> {
    return this.write(async (trx, now) => {
      const others = await this.initialMembers(trx, session.userId, input.memberIds);
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
        ownerId: session.userId,
        memberCount: 1 + others.length,
        // room.created, then one member.joined per other member.
        lastSeq: 1 + others.length,
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
    });
  }

  /** A page of rooms, newest first: the caller's, or all the caller may see (open ones and theirs). */
  async list(session: AuthSession | null, { scope, limit, cursor }: ListRoomsInput): Promise<RoomPage> {
    if (scope === "joined" && !session) {
      throw new NatterError("UNAUTHENTICATED", "Sign in to list the rooms you are in, or ask for scope=all");
    }
    const userId = session?.userId ?? "";
    let query = roomsQuery(this.deps.db);
    if (scope === "joined") {
      query = query.innerJoin("room_members as me", (join) =>
        join.onRef("me.room_id", "=", "rooms.id").on("me.user_id", "=", userId),
      );
    } else {
      query = query.where((eb) =>
        eb.or([
          eb("rooms.is_open", "=", 1),
          eb.exists(
            eb
              .selectFrom("room_members as me")
              .select("me.room_id")
              .whereRef("me.room_id", "=", "rooms.id")
              .where("me.user_id", "=", userId),
          ),
        ]),
      );
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

  /** A room the caller may read. */
  async get(session: AuthSession | null, roomId: string): Promise<Room> {
    await readableRoom(this.deps.db, roomId, session);
    return loadRoom(this.deps.db, roomId);
  }

  /** Renames (any member) or opens and closes (admins and the owner) a room. */
  update(session: AuthSession, roomId: string, changes: RoomChanges): Promise<Room> {
    return this.write(async (trx, now) => {
      const access = await readableRoom(trx, roomId, session);
      requireRole(access, changes.open === undefined ? "member" : "admin");
      const room = await loadRoom(trx, roomId);
      const updated = { ...room, name: changes.name ?? room.name, open: changes.open ?? room.open };
      if (updated.name === room.name && updated.open === room.open) return { events: [], result: room };
      await trx
        .updateTable("rooms")
        .set({ name: updated.name, is_open: updated.open ? 1 : 0 })
        .where("id", "=", roomId)
        .execute();
      const change: RoomChange = {
        type: "room.updated",
        actorId: session.userId,
        name: updated.name,
        open: updated.open,
      };
      return { events: [await recordRoomChange(trx, roomId, change, now)], result: await loadRoom(trx, roomId) };
    });
  }

  /** Deletes a room with its members, log and messages (the owner only). */
  delete(session: AuthSession, roomId: string): Promise<void> {
    return this.write(async (trx, now) => {
      requireRole(await readableRoom(trx, roomId, session), "owner");
      return { events: await deleteRoom(trx, roomId, session.userId, now), result: undefined };
    });
  }

  /** Joins an open room; joining a room one is already in changes nothing. */
  join(session: AuthSession, roomId: string): Promise<Room> {
    return this.write(async (trx, now) => {
      const access = await readableRoom(trx, roomId, session);
      const events: RoomEvent[] = [];
      if (access.role === null) {
        const member = { userId: session.userId, username: session.username, role: "member" as const };
        const joined = await addMember(trx, roomId, member, session.userId, now);
        if (joined) events.push(joined);
      }
      return { events, result: await loadRoom(trx, roomId) };
    });
  }

  /** Leaves a room; the last member to leave deletes it. */
  leave(session: AuthSession, roomId: string): Promise<LeaveRoomResult> {
    return this.write(async (trx, now) => {
      const access = await readableRoom(trx, roomId, session);
      if (access.role === null) throw new NatterError("MEMBER_NOT_FOUND", "You are not a member of this room");
      const change: RoomChange = { type: "member.left", actorId: session.userId, userId: session.userId };
      const { events, deleted } = await removeMember(trx, roomId, access.role, change, now);
      return { events, result: { roomId, deleted } };
    });
  }

  /** A slice of the room's members (or its owner and admins), in joining order. */
  async members(
    session: AuthSession | null,
    roomId: string,
    { limit, offset }: PageInput,
    filter: MemberFilter = "all",
  ): Promise<MemberPage> {
    const { db } = this.deps;
    await readableRoom(db, roomId, session);
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

  /** One member of a room the caller may read. */
  async member(session: AuthSession | null, roomId: string, userId: string): Promise<Member> {
    await readableRoom(this.deps.db, roomId, session);
    return findMember(this.deps.db, roomId, userId);
  }

  /** The owner of a room the caller may read. */
  async owner(session: AuthSession | null, roomId: string): Promise<{ userId: string; username: string }> {
    await readableRoom(this.deps.db, roomId, session);
    const row = await membersQuery(this.deps.db, roomId)
      .where("room_members.role", "=", "owner")
      .executeTakeFirstOrThrow();
    return { userId: row.userId, username: row.username };
  }

  /**
   * Adds a user to a room (admins and the owner) and, with `role`, sets their role (the owner
   * only). Giving someone the `owner` role hands ownership over: the old owner becomes an admin.
   */
  putMember(session: AuthSession, roomId: string, userId: string, role: RoomRole | undefined): Promise<Member> {
    return this.write(async (trx, now) => {
      const access = await readableRoom(trx, roomId, session);
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
        const user = await trx.selectFrom("users").select("username").where("id", "=", userId).executeTakeFirst();
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
    });
  }

  /**
   * Removes a member (admins and the owner; only the owner may remove an admin, and nobody
   * the owner). Removing oneself is leaving.
   */
  removeMember(
    session: AuthSession,
    roomId: string,
    userId: string,
  ): Promise<{ roomId: string; userId: string; roomDeleted: boolean }> {
    if (userId === session.userId) {
      return this.leave(session, roomId).then(({ deleted }) => ({ roomId, userId, roomDeleted: deleted }));
    }
    return this.write(async (trx, now) => {
      const access = await readableRoom(trx, roomId, session);
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
    });
  }

  /** Runs a change in one transaction and publishes its log entries once it has committed. */
  private async write<T>(change: (trx: Transaction<Database>, now: number) => Promise<Outcome<T>>): Promise<T> {
    const { db, clock, events } = this.deps;
    const outcome = await db.transaction().execute((trx) => change(trx, clock.now()));
    events.publish(outcome.events);
    return outcome.result;
  }

  /** The users a room is created with: deduplicated, without the creator, each one existing. */
  private async initialMembers(
    trx: Transaction<Database>,
    creatorId: string,
    memberIds: readonly string[],
  ): Promise<{ id: string; username: string }[]> {
    const ids = [...new Set(memberIds)].filter((id) => id !== creatorId);
    if (ids.length === 0) return [];
    const users = await trx.selectFrom("users").select(["id", "username"]).where("id", "in", ids).execute();
    const byId = new Map(users.map((u) => [u.id, u]));
    const issues = memberIds.flatMap((id, i) =>
      id === creatorId || byId.has(id) ? [] : [{ path: `memberIds.${i}`, message: "no such user" }],
    );
    if (issues.length > 0) throw new NatterError("VALIDATION_FAILED", "Some memberIds name no user", { issues });
    return ids.flatMap((id) => byId.get(id) ?? []);
  }
}

/** Rooms with their owner, as readers see them. */
function roomsQuery(db: Kysely<Database>) {
  return db
    .selectFrom("rooms")
    .innerJoin("room_members as owner", (join) =>
      join.onRef("owner.room_id", "=", "rooms.id").on("owner.role", "=", "owner"),
    )
    .select([
      "rooms.id",
      "rooms.name",
      "rooms.is_open",
      "rooms.member_count",
      "rooms.last_seq",
      "rooms.created_at",
      "owner.user_id as owner_id",
    ]);
}

type RoomRow = Awaited<ReturnType<ReturnType<typeof roomsQuery>["executeTakeFirstOrThrow"]>>;

function toRoom(row: RoomRow): Room {
  return {
    id: row.id,
    name: row.name,
    open: row.is_open === 1,
    ownerId: row.owner_id,
    memberCount: row.member_count,
    lastSeq: row.last_seq,
    createdAt: row.created_at,
  };
}

/** A room known to exist (its access was just checked). */
async function loadRoom(db: Kysely<Database>, roomId: string): Promise<Room> {
  return toRoom(await roomsQuery(db).where("rooms.id", "=", roomId).executeTakeFirstOrThrow());
}

/** A room's members with their usernames. */
function membersQuery(db: Kysely<Database>, roomId: string) {
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

function toMember(row: Member): Member {
  return { userId: row.userId, username: row.username, role: row.role, joinedAt: row.joinedAt };
}

async function findMember(db: Kysely<Database>, roomId: string, userId: string): Promise<Member> {
  const row = await membersQuery(db, roomId).where("room_members.user_id", "=", userId).executeTakeFirst();
  if (!row) throw new NatterError("MEMBER_NOT_FOUND", "That user is not a member of this room");
  return toMember(row);
}

/**
 * Adds a member unless they are in already (a concurrent join won the race): the insert is
 * skipped on conflict, and only an inserted row counts and is logged.
 */
async function addMember(
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
async function removeMember(
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
async function changeRole(
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

/**
 * Logs the room's deletion, then deletes it; the cascade takes its members, log and
 * messages. Watchers learn of it from the published `room.deleted` entry.
 */
async function deleteRoom(
  trx: Transaction<Database>,
  roomId: string,
  actorId: string | null,
  now: number,
): Promise<RoomEvent[]> {
  const event = await recordRoomChange(trx, roomId, { type: "room.deleted", actorId }, now);
  await trx.deleteFrom("rooms").where("id", "=", roomId).execute();
  return [event];
}
