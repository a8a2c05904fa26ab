import type { Database } from "@natter/db";
import { type Mention, mentionsIn } from "@natter/shared";
import type { Transaction } from "kysely";
import type { RoomAccess } from "../access/room-access.js";
import { usersBlocking } from "../direct/blocks.js";

/** What a body mentions, resolved in its room, and who is notified. */
export interface ResolvedMentions {
  /** The users named who can read the room, in the order written. */
  mentions: Mention[];
  /** `@room` by the room's owner or an admin. */
  room: boolean;
  /** Who gets a mention row (and later a notification): never the author. */
  notified: string[];
}

/**
 * Resolves the mentions of a body written by `authorId` in a room, inside the writing
 * transaction. A name resolves only to a user who can read the room (any user of an open
 * room, a member of a closed one), so a mention never tells whether an account exists.
 * `@room` counts from an owner or admin only; from anyone else it stays text.
 */
export async function resolveMentions(
  trx: Transaction<Database>,
  access: RoomAccess,
  authorId: string,
  body: string,
): Promise<ResolvedMentions> {
  const found = mentionsIn(body);
  const room = found.room && (access.role === "owner" || access.role === "admin");
  let mentions: Mention[] = [];
  if (found.usernames.length > 0) {
    const rows = await trx
      .selectFrom("users")
      .leftJoin("room_members", (join) =>
        join.onRef("room_members.user_id", "=", "users.id").on("room_members.room_id", "=", access.roomId),
      )
      .select(["users.id", "users.username", "users.username_key", "room_members.user_id as memberId"])
      .where("users.username_key", "in", found.usernames)
      .execute();
    const readers = new Map(
      rows
        .filter((row) => access.open || row.memberId !== null)
        .map((row) => [row.username_key, { userId: row.id, username: row.username }]),
    );
    mentions = found.usernames.flatMap((key) => readers.get(key) ?? []);
  }
  const notified = new Set(mentions.map((mention) => mention.userId));
  if (room) {
    const members = await trx
      .selectFrom("room_members")
      .select("user_id")
      .where("room_id", "=", access.roomId)
      .execute();
    for (const { user_id } of members) notified.add(user_id);
  }
  notified.delete(authorId);
  // Someone who blocked the author is not notified; the text still names them.
  for (const blocker of await usersBlocking(trx, authorId, [...notified])) notified.delete(blocker);
  return { mentions, room, notified: [...notified] };
}

/** Replaces the mention rows of one message with the given users. */
export async function storeMentions(
  trx: Transaction<Database>,
  message: { id: string; roomId: string; seq: number },
  resolved: ResolvedMentions,
): Promise<void> {
  await trx
    .updateTable("messages")
    .set({ mentions: JSON.stringify(resolved.mentions), mentions_room: resolved.room ? 1 : 0 })
    .where("id", "=", message.id)
    .execute();
  await trx.deleteFrom("message_mentions").where("message_id", "=", message.id).execute();
  // Chunks keep `@room` in a big room under every engine's limit of bound parameters.
  for (let start = 0; start < resolved.notified.length; start += INSERT_CHUNK) {
    const rows = resolved.notified.slice(start, start + INSERT_CHUNK).map((userId) => ({
      user_id: userId,
      message_id: message.id,
      room_id: message.roomId,
      seq: message.seq,
    }));
    await trx.insertInto("message_mentions").values(rows).execute();
  }
}

const INSERT_CHUNK = 500;

/** What a deleted message mentions: nobody. */
export const NO_MENTIONS: ResolvedMentions = { mentions: [], room: false, notified: [] };

/** Whether a new message needs mention rows or fields written at all (most do not). */
export function mentionsAnything(resolved: ResolvedMentions): boolean {
  return resolved.room || resolved.mentions.length > 0;
}
