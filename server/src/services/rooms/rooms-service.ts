import type { Database } from "@natter/db";
import type {
  CreateRoomInput,
  LeaveRoomResult,
  ListMutesInput,
  ListRoomsInput,
  Member,
  MemberPage,
  MutePage,
  PageInput,
  PutMuteInput,
  Room,
  RoomChanges,
  RoomMute,
  RoomPage,
  RoomRole,
} from "@natter/shared";
import { LIMITS } from "@natter/shared";
import type { Kysely } from "kysely";
import type { AuthSession } from "../../auth/auth-session.js";
import type { Clock } from "../../clock/clock.js";
import { moderatableRoom, readableRoom, requireRoleOrServerAdmin } from "../access/room-access.js";
import type { TextFilter } from "../moderation/blocked-terms-service.js";
import type { RoomWriter } from "../room-writes/room-writer.js";
import { joinRoom, kickMember, leaveRoom, putMember } from "./membership.js";
import type { MuteExpiry } from "./mute-expiry.js";
import { createRoom, deleteRoom, updateRoom } from "./room-lifecycle.js";
import { listMutes, muteMember, unmuteMember } from "./room-mutes.js";
import { findOwner, listMembers, listRooms, type MemberFilter } from "./room-queries.js";
import { findMember, loadRoom } from "./room-rows.js";

export interface RoomsServiceDeps {
  db: Kysely<Database>;
  /** Runs each change serialised with the room's other changes, and publishes its events. */
  writer: RoomWriter;
  /** What "now" is for reads that depend on it (which mutes are in force). */
  clock: Clock;
  /** The blocked terms room names go through; none for tools that write alone (seeding). */
  textFilter?: TextFilter;
  /** Told of each mute with an end, to log `member.unmuted` when it comes; none for tools that write alone. */
  muteExpiry?: MuteExpiry;
}

/**
 * Rooms and their membership. Every change runs through the room writer: one transaction,
 * serialised with the room's other changes, that updates the tables, appends the room's log
 * entries and writes the activity table; the entries are published only after the commit. The work itself lives beside this file: the room's
 * life (`room-lifecycle.ts`), its membership (`membership.ts`), and reads (`room-queries.ts`).
 */
export class RoomsService {
  constructor(private readonly deps: RoomsServiceDeps) {}

  /** Creates a room owned by the caller, with `memberIds` as its first members. */
  async create(session: AuthSession, input: CreateRoomInput): Promise<Room> {
    const filtered = { ...input, ...(input.name !== undefined && { name: await this.filtered(input.name) }) };
    return this.deps.writer.write(null, (trx, now) => createRoom(trx, session, filtered, now));
  }

  /** A page of rooms, newest first: the caller's, or all the caller may see (open ones and theirs). */
  list(session: AuthSession | null, input: ListRoomsInput): Promise<RoomPage> {
    return listRooms(this.deps.db, session, input);
  }

  /** A room the caller may read. */
  async get(session: AuthSession | null, roomId: string): Promise<Room> {
    await readableRoom(this.deps.db, roomId, session);
    return loadRoom(this.deps.db, roomId);
  }

  /** Renames (any member) or opens and closes (admins and the owner) a room. */
  async update(session: AuthSession, roomId: string, changes: RoomChanges): Promise<Room> {
    const filtered = { ...changes, ...(changes.name !== undefined && { name: await this.filtered(changes.name) }) };
    return this.deps.writer.write(roomId, (trx, now) => updateRoom(trx, session, roomId, filtered, now));
  }

  /** A room name through the blocked terms. */
  private filtered(name: string): Promise<string> {
    return this.deps.textFilter ? this.deps.textFilter.filter(name, LIMITS.roomNameMax) : Promise.resolve(name);
  }

  /**
   * Deletes a room with its members, log and messages: its owner may, and a server admin
   * may delete any room (moderation, noted in the activity log).
   */
  delete(session: AuthSession, roomId: string): Promise<void> {
    return this.deps.writer.write(roomId, async (trx, now) => {
      const power = requireRoleOrServerAdmin(await moderatableRoom(trx, roomId, session), "owner");
      const detail = power === "serverAdmin" ? { moderation: "server admin" } : null;
      return { events: await deleteRoom(trx, roomId, session.userId, now, detail), result: undefined };
    });
  }

  /** Joins an open room; joining a room one is already in changes nothing. */
  join(session: AuthSession, roomId: string): Promise<Room> {
    return this.deps.writer.write(roomId, (trx, now) => joinRoom(trx, session, roomId, now));
  }

  /** Leaves a room; the last member to leave deletes it. */
  leave(session: AuthSession, roomId: string): Promise<LeaveRoomResult> {
    return this.deps.writer.write(roomId, (trx, now) => leaveRoom(trx, session, roomId, now));
  }

  /** A slice of the room's members (or its owner and admins), in joining order. */
  async members(
    session: AuthSession | null,
    roomId: string,
    page: PageInput,
    filter: MemberFilter = "all",
  ): Promise<MemberPage> {
    await readableRoom(this.deps.db, roomId, session);
    return listMembers(this.deps.db, roomId, page, filter);
  }

  /** One member of a room the caller may read. */
  async member(session: AuthSession | null, roomId: string, userId: string): Promise<Member> {
    await readableRoom(this.deps.db, roomId, session);
    return findMember(this.deps.db, roomId, userId);
  }

  /** The owner of a room the caller may read. */
  async owner(session: AuthSession | null, roomId: string): Promise<{ userId: string; username: string }> {
    await readableRoom(this.deps.db, roomId, session);
    return findOwner(this.deps.db, roomId);
  }

  /**
   * Adds a user to a room (admins and the owner) and, with `role`, sets their role (the owner
   * only). Giving someone the `owner` role hands ownership over: the old owner becomes an admin.
   */
  putMember(session: AuthSession, roomId: string, userId: string, role: RoomRole | undefined): Promise<Member> {
    return this.deps.writer.write(roomId, (trx, now) => putMember(trx, session, roomId, userId, role, now));
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
    return this.deps.writer.write(roomId, (trx, now) => kickMember(trx, session, roomId, userId, now));
  }

  /**
   * Mutes a member (admins over members, the owner over admins too) until `until` or until
   * lifted: they still read, but neither send nor edit.
   */
  async mute(session: AuthSession, roomId: string, userId: string, input: Omit<PutMuteInput, "roomId" | "userId">) {
    const mute = await this.deps.writer.write<RoomMute>(roomId, (trx, now) =>
      muteMember(trx, session, roomId, userId, input, now),
    );
    if (mute.until !== null) this.deps.muteExpiry?.sweepAt(mute.until);
    return mute;
  }

  /** Lifts a member's mute; answers whether one was in force. */
  unmute(session: AuthSession, roomId: string, userId: string): Promise<boolean> {
    return this.deps.writer.write(roomId, (trx, now) => unmuteMember(trx, session, roomId, userId, now));
  }

  /** The mutes in force in a room (its admins and owner only). */
  mutes(session: AuthSession, roomId: string, page: Omit<ListMutesInput, "roomId">): Promise<MutePage> {
    return listMutes(this.deps.db, session, roomId, page, this.deps.clock.now());
  }
}
