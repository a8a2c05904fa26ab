import { bumpCounters, type Database, STAT_COUNTERS, usernameSkeleton } from "@natter/db";
import { NatterError, type RoomEvent, usernameKeyOf } from "@natter/shared";
import type { Kysely, Transaction } from "kysely";
import type { SessionRevocations } from "../../auth/session-revocations.js";
import { type Clock, toTimestamp } from "../../clock/clock.js";
import { appendRoomEvent, rewriteMessageEvents } from "../../events/room-log.js";
import type { BlobStore } from "../../uploads/blob-store.js";
import { recordActivity } from "../activity/activity-log.js";
import { takeBackReaction } from "../conversations/reactions-service.js";
import { deleteUploads, uploadsOfMessage } from "../message-rows/attachments.js";
import { toMessage } from "../message-rows/message-rows.js";
import { tombstoneMessage } from "../messages/message-commands.js";
import type { RoomWriter } from "../room-writes/room-writer.js";
import { removeMember } from "../rooms/member-changes.js";
import { placeholderUsername, scrubUsername } from "./username-scrub.js";

/** How long a deleted person's username stays reserved: nobody may pose as them meanwhile. */
export const USERNAME_RESERVATION_MS = 30 * 24 * 3600 * 1000;

/** Messages scrubbed per room transaction: a long history goes in many short ones. */
const MESSAGES_PER_WRITE = 200;

/** What becomes of a deleted person's messages (`NATTER_ACCOUNT_DELETION`). */
export type AccountDeletionMode = "remove-messages" | "keep-messages";

/** The display name every deleted account shows. */
export const DELETED_USER_DISPLAY_NAME = "Deleted user";

/** What a deleted account's password hash holds: no password matches it. */
const DELETED_PASSWORD_HASH = "!deleted";

export interface AccountDeletionDeps {
  db: Kysely<Database>;
  writer: RoomWriter;
  blobs: BlobStore;
  clock: Clock;
  /** Ended sessions and API keys close their sockets on every node at once. */
  revocations: SessionRevocations;
  mode: AccountDeletionMode;
}

/**
 * Deleting an account (GDPR article 17), for `DELETE /me` and `natter users delete`. The
 * user's row stays as the "deleted user" their messages are authored by (username
 * `deleted-<id>`, display name "Deleted user", no password, bio or avatar) and their
 * username (with its look-alikes) stays reserved for 30 days. Everything else of theirs
 * goes: sessions and API keys (sockets closed on every node), blocks, mutes, push subscriptions
 * (with their queued notifications), inbox, uploads;
 * in each room, their messages become tombstones (`message.deleted`, bodies scrubbed from
 * every stored event) unless `keep-messages`, their reactions are taken back
 * (`reaction.removed`), and they leave (`member.left`: ownership passes and an emptied room
 * is deleted as when leaving); then their old username is replaced by the placeholder in what
 * others keep (stored member events, mention lists, inbox entries). Rooms are changed one after another in short transactions
 * through the room writer, so live watchers see each change; an interrupted deletion is
 * finished by running it again (`natter users delete deleted-<id>`).
 */
export class AccountDeletion {
  constructor(private readonly deps: AccountDeletionDeps) {}

  /** Deletes the account `userId`; `actorId` is who asked (null for the command line). */
  async delete(userId: string, actorId: string | null): Promise<void> {
    const { db, clock, revocations } = this.deps;
    const ended = await db.transaction().execute((trx) => closeAccount(trx, userId, actorId, clock.now()));
    await revocations.publish(ended);
    await this.purge(userId);
  }

  /** Scrubs a closed account's rooms and uploads; safe to run again on one already scrubbed. */
  async purge(userId: string): Promise<void> {
    const { db, writer, blobs, mode } = this.deps;
    for (const roomId of await roomsTouchedBy(db, userId)) {
      for (;;) {
        const done = await writer.write(roomId, (trx, now) => scrubMessages(trx, blobs, mode, roomId, userId, now));
        if (done < MESSAGES_PER_WRITE) break;
      }
      await writer.write(roomId, (trx, now) => leaveEverything(trx, roomId, userId, now));
    }
    // Last, as the member events above still carry the old name until they are written.
    await scrubUsername(db, userId);
    // What is left: the avatar and uploads never attached.
    await db
      .transaction()
      .execute((trx) =>
        deleteUploads(trx, blobs, (q) =>
          q.selectFrom("uploads").select(["id", "sha256"]).where("owner_id", "=", userId).execute(),
        ),
      );
  }
}

/**
 * Closes the account in one transaction: renames it to its placeholder, reserves its
 * username, and deletes what is only the person's. Answers the ended sessions' and keys' ids.
 */
async function closeAccount(
  trx: Transaction<Database>,
  userId: string,
  actorId: string | null,
  now: number,
): Promise<string[]> {
  const user = await trx
    .selectFrom("users")
    .select(["username", "username_skeleton", "banned_at", "is_admin", "deleted_at"])
    .where("id", "=", userId)
    .executeTakeFirst();
  if (!user) throw new NatterError("USER_NOT_FOUND", "No such user");
  if (user.deleted_at !== null) return [];
  const reservation = {
    username_key: usernameKeyOf(user.username),
    username_skeleton: user.username_skeleton ?? usernameSkeleton(user.username),
    reserved_until: toTimestamp(now + USERNAME_RESERVATION_MS),
  };
  await trx
    .insertInto("reserved_usernames")
    .values(reservation)
    .onConflict((oc) => oc.column("username_key").doUpdateSet(reservation))
    .execute();
  const placeholder = placeholderUsername(userId);
  await trx
    .updateTable("users")
    .set({
      username: placeholder,
      username_key: usernameKeyOf(placeholder),
      username_skeleton: usernameSkeleton(placeholder),
      password_hash: DELETED_PASSWORD_HASH,
      display_name: DELETED_USER_DISPLAY_NAME,
      display_name_key: null,
      bio: null,
      avatar_upload_id: null,
      is_admin: 0,
      banned_at: null,
      direct_messages: "none",
      share_read_receipts: 0,
      deleted_at: toTimestamp(now),
    })
    .where("id", "=", userId)
    .execute();
  const sessions = await trx.deleteFrom("sessions").where("user_id", "=", userId).returning("id").execute();
  const keys = await trx.deleteFrom("api_keys").where("user_id", "=", userId).returning("id").execute();
  await trx
    .deleteFrom("user_blocks")
    .where((eb) => eb.or([eb("blocker_id", "=", userId), eb("blocked_id", "=", userId)]))
    .execute();
  await trx.deleteFrom("room_mutes").where("user_id", "=", userId).execute();
  await trx.deleteFrom("push_deliveries").where("user_id", "=", userId).execute();
  await trx.deleteFrom("push_subscriptions").where("user_id", "=", userId).execute();
  await trx.deleteFrom("inbox_events").where("user_id", "=", userId).execute();
  await trx.deleteFrom("inbox_heads").where("user_id", "=", userId).execute();
  await trx.deleteFrom("thread_participants").where("user_id", "=", userId).execute();
  await trx.deleteFrom("message_mentions").where("user_id", "=", userId).execute();
  // Who reported, muted, or made a key or webhook is the person's data; what they made stays.
  await trx.updateTable("message_reports").set({ reporter_id: null }).where("reporter_id", "=", userId).execute();
  await trx.updateTable("room_mutes").set({ muted_by: null }).where("muted_by", "=", userId).execute();
  await trx.updateTable("api_keys").set({ created_by: null }).where("created_by", "=", userId).execute();
  await trx.updateTable("webhooks").set({ created_by: null }).where("created_by", "=", userId).execute();
  await trx.updateTable("incoming_webhooks").set({ created_by: null }).where("created_by", "=", userId).execute();
  await bumpCounters(trx, {
    [STAT_COUNTERS.users]: -1,
    [STAT_COUNTERS.banned]: user.banned_at === null ? 0 : -1,
    [STAT_COUNTERS.admins]: user.is_admin === 1 ? -1 : 0,
  });
  await recordActivity(trx, { action: "user.deleted", actorId, subjectId: userId }, now);
  return [...sessions, ...keys].map((row) => row.id);
}

/** Every room the person wrote, reacted or is a member in. */
async function roomsTouchedBy(db: Kysely<Database>, userId: string): Promise<string[]> {
  const [written, reacted, joined] = await Promise.all([
    db.selectFrom("messages").select("room_id").distinct().where("author_id", "=", userId).execute(),
    db.selectFrom("message_reactions").select("room_id").distinct().where("user_id", "=", userId).execute(),
    db.selectFrom("room_members").select("room_id").where("user_id", "=", userId).execute(),
  ]);
  return [...new Set([...written, ...reacted, ...joined].map((row) => row.room_id))].sort();
}

/**
 * One batch of the person's messages in one room: tombstoned (the default), or, with
 * `keep-messages`, stripped of their attachments (`message.edited` tells watchers). Answers
 * how many it changed: fewer than a batch means the room is done.
 */
async function scrubMessages(
  trx: Transaction<Database>,
  blobs: BlobStore,
  mode: AccountDeletionMode,
  roomId: string,
  userId: string,
  now: number,
): Promise<{ events: RoomEvent[]; result: number }> {
  let query = trx
    .selectFrom("messages")
    .selectAll()
    .where("room_id", "=", roomId)
    .where("author_id", "=", userId)
    .where("deleted_at", "is", null);
  if (mode === "keep-messages") {
    query = query.where("id", "in", (eb) =>
      eb.selectFrom("uploads").select("message_id").where("owner_id", "=", userId).where("room_id", "=", roomId),
    );
  }
  const rows = await query.orderBy("id").limit(MESSAGES_PER_WRITE).execute();
  const events: RoomEvent[] = [];
  for (const row of rows) {
    if (mode === "remove-messages") {
      events.push(...(await tombstoneMessage(trx, blobs, row, userId, now)).events);
      continue;
    }
    await deleteUploads(trx, blobs, uploadsOfMessage(row.id));
    const message = toMessage(row, []);
    await rewriteMessageEvents(trx, roomId, message);
    events.push(await appendRoomEvent(trx, roomId, { type: "message.edited", actorId: userId, message }, now));
  }
  return { events, result: rows.length };
}

/** Takes the person's reactions back in one room, then takes them out of it. */
async function leaveEverything(
  trx: Transaction<Database>,
  roomId: string,
  userId: string,
  now: number,
): Promise<{ events: RoomEvent[]; result: null }> {
  const events: RoomEvent[] = [];
  const reactions = await trx
    .selectFrom("message_reactions")
    .select(["message_id", "emoji"])
    .where("user_id", "=", userId)
    .where("room_id", "=", roomId)
    .orderBy("message_id")
    .orderBy("emoji")
    .execute();
  for (const { message_id, emoji } of reactions) {
    const row = await trx
      .selectFrom("messages")
      .select(["id", "room_id", "reactions"])
      .where("id", "=", message_id)
      .executeTakeFirstOrThrow();
    events.push((await takeBackReaction(trx, row, userId, emoji, now)).event);
  }
  const member = await trx
    .selectFrom("room_members")
    .select("role")
    .where("room_id", "=", roomId)
    .where("user_id", "=", userId)
    .executeTakeFirst();
  if (member) {
    const left = await removeMember(trx, roomId, member.role, { type: "member.left", actorId: userId, userId }, now);
    events.push(...left.events);
  }
  return { events, result: null };
}
