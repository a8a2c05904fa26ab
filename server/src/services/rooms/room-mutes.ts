import type { Database } from "@natter/db";
import { type ListMutesInput, type MutePage, NatterError, type PutMuteInput, type RoomMute } from "@natter/shared";
import type { Kysely, Transaction } from "kysely";
import type { AuthSession } from "../../auth/auth-session.js";
import { toTimestamp } from "../../clock/clock.js";
import { moderatableRoom, outranks, refuseDirect, requireRoleOrServerAdmin } from "../access/room-access.js";
import { decodeCursor, encodeCursor } from "../paging/page-cursor.js";
import type { RoomWrite } from "../room-writes/room-writer.js";
import { recordRoomChange } from "./room-changes.js";

/** Mutes with the muted user's name. */
function mutesQuery(db: Kysely<Database>, roomId: string) {
  return db
    .selectFrom("room_mutes")
    .innerJoin("users", "users.id", "room_mutes.user_id")
    .select([
      "room_mutes.room_id",
      "room_mutes.user_id",
      "users.username",
      "room_mutes.until",
      "room_mutes.reason",
      "room_mutes.muted_by",
      "room_mutes.created_at",
    ])
    .where("room_mutes.room_id", "=", roomId);
}

type MuteRow = Awaited<ReturnType<ReturnType<typeof mutesQuery>["executeTakeFirstOrThrow"]>>;

function toMute(row: MuteRow): RoomMute {
  return {
    roomId: row.room_id,
    userId: row.user_id,
    username: row.username,
    until: row.until,
    reason: row.reason,
    mutedBy: row.muted_by,
    createdAt: row.created_at,
  };
}

/** Mutes in force at `now`: lasting until lifted, or ending later. */
function inForce(now: number) {
  const at = toTimestamp(now);
  return <Q extends ReturnType<typeof mutesQuery>>(query: Q) =>
    query.where((eb) => eb.or([eb("room_mutes.until", "is", null), eb("room_mutes.until", ">", at)])) as Q;
}

/**
 * Checks that the caller (an admin or the owner) may mute or unmute `userId`: a member of the
 * room of a lower role than theirs. A server admin may in any room, over any role (they may
 * delete any message too: resolving a report mutes through here). With `mustBeMember` false,
 * someone no longer in the room passes too (to lift the mute of someone who left).
 */
async function requireModeratable(
  trx: Transaction<Database>,
  session: AuthSession,
  roomId: string,
  userId: string,
  mustBeMember: boolean,
): Promise<void> {
  const access = await moderatableRoom(trx, roomId, session);
  refuseDirect(access);
  const power = requireRoleOrServerAdmin(access, "admin");
  const target = await trx
    .selectFrom("room_members")
    .select("role")
    .where("room_id", "=", roomId)
    .where("user_id", "=", userId)
    .executeTakeFirst();
  if (!target) {
    if (mustBeMember) throw new NatterError("MEMBER_NOT_FOUND", "That user is not a member of this room");
    return;
  }
  if (userId === session.userId || (power === "role" && !outranks(access.role, target.role))) {
    throw new NatterError("FORBIDDEN", "Only someone of a higher role may mute or unmute this member");
  }
}

/**
 * Mutes a member until `until` (or until lifted), replacing any mute they had: an admin may
 * mute members, the owner admins too. Logs `member.muted`; the reason stays with the mute.
 */
export async function muteMember(
  trx: Transaction<Database>,
  session: AuthSession,
  roomId: string,
  userId: string,
  input: Pick<PutMuteInput, "until" | "reason">,
  now: number,
): Promise<RoomWrite<RoomMute>> {
  await requireModeratable(trx, session, roomId, userId, true);
  // Parsed, so that any ISO form the schema admits is stored in the one fixed-width form that compares as text.
  const until = input.until === undefined ? null : toTimestamp(Date.parse(input.until));
  if (until !== null && until <= toTimestamp(now)) {
    throw new NatterError("VALIDATION_FAILED", "A mute must end in the future", {
      issues: [{ path: "until", message: "must be in the future" }],
    });
  }
  const values = {
    until,
    reason: input.reason ? input.reason : null,
    muted_by: session.userId,
    created_at: toTimestamp(now),
  };
  await trx
    .insertInto("room_mutes")
    .values({ room_id: roomId, user_id: userId, ...values })
    .onConflict((oc) => oc.columns(["room_id", "user_id"]).doUpdateSet(values))
    .execute();
  const event = await recordRoomChange(
    trx,
    roomId,
    { type: "member.muted", actorId: session.userId, userId, until },
    now,
    values.reason === null ? null : { reason: values.reason },
  );
  const row = await mutesQuery(trx, roomId).where("room_mutes.user_id", "=", userId).executeTakeFirstOrThrow();
  return { events: [event], result: toMute(row) };
}

/**
 * Lifts a member's mute (admins and the owner, as for muting; anyone's who has left the room).
 * Logs `member.unmuted` when a mute was in force; answers whether one was.
 */
export async function unmuteMember(
  trx: Transaction<Database>,
  session: AuthSession,
  roomId: string,
  userId: string,
  now: number,
): Promise<RoomWrite<boolean>> {
  await requireModeratable(trx, session, roomId, userId, false);
  const mute = await inForce(now)(mutesQuery(trx, roomId).where("room_mutes.user_id", "=", userId)).executeTakeFirst();
  // A mute past its end is dropped too, without an event: it had ended already.
  await trx.deleteFrom("room_mutes").where("room_id", "=", roomId).where("user_id", "=", userId).execute();
  if (!mute) return { events: [], result: false };
  const event = await recordRoomChange(trx, roomId, { type: "member.unmuted", actorId: session.userId, userId }, now);
  return { events: [event], result: true };
}

/** The mutes in force in a room, by user id; for its admins and owner, and server admins. */
export async function listMutes(
  db: Kysely<Database>,
  session: AuthSession,
  roomId: string,
  { limit, cursor }: Omit<ListMutesInput, "roomId">,
  now: number,
): Promise<MutePage> {
  requireRoleOrServerAdmin(await moderatableRoom(db, roomId, session), "admin");
  let query = inForce(now)(mutesQuery(db, roomId));
  if (cursor !== undefined) query = query.where("room_mutes.user_id", ">", decodeCursor("mutes", cursor));
  const rows = await query
    .orderBy("room_mutes.user_id")
    .limit(limit + 1)
    .execute();
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return {
    mutes: page.map(toMute),
    nextCursor: rows.length > limit && last ? encodeCursor("mutes", last.user_id) : null,
  };
}
